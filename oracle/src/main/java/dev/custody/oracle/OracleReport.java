package dev.custody.oracle;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;

/** What `custody oracle diff` prints: each file's agreement and disagreements, then the total. */
public final class OracleReport {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final PrintStream out;
    private final boolean json;
    private int files;
    private int skipped;
    private int failed;
    private int disagreeingFiles;
    private long compared;
    private long agreeing;

    private final String left;
    private final String right;

    /** {@code left} and {@code right} name the two sides in text: "engine" and "kernel", or two kernels. */
    public OracleReport(PrintStream out, boolean json, String left, String right) {
        this.out = out;
        this.json = json;
        this.left = left;
        this.right = right;
    }

    public OracleReport(PrintStream out, boolean json) {
        this(out, json, "engine", "kernel");
    }

    public void file(FileComparison comparison) {
        files++;
        if (comparison.skipped().isPresent()) {
            if (comparison.runFailed()) {
                failed++;
            } else {
                skipped++;
            }
        } else if (!comparison.agrees()) {
            disagreeingFiles++;
        }
        compared += comparison.compared();
        agreeing += comparison.agreeing();
        if (json) {
            out.println(asJson(comparison));
        } else {
            out.println(asText(comparison, left, right));
        }
    }

    public void total() {
        if (json) {
            ObjectNode total = JSON.objectNode();
            total.putObject("total")
                    .put("files", files)
                    .put("compared", compared)
                    .put("agreeing", agreeing)
                    .put("disagreeingFiles", disagreeingFiles)
                    .put("skipped", skipped)
                    .put("failed", failed);
            out.println(total);
            return;
        }
        out.printf(
                "oracle: total: %d/%d steps agree in %d files (%d with disagreements, %d failed to run, %d not realisable)%n",
                agreeing, compared, files - skipped - failed, disagreeingFiles, failed, skipped);
    }

    public boolean allAgree() {
        return disagreeingFiles == 0 && failed == 0;
    }

    private static String asText(FileComparison c, String left, String right) {
        StringBuilder text = new StringBuilder("oracle: ").append(c.file());
        if (c.skipped().isPresent()) {
            return text.append(c.runFailed() ? ": FAILED TO RUN on " + c.kernel() + ": " : ": not realisable: ")
                    .append(c.skipped().get())
                    .toString();
        }
        text.append(" on ")
                .append(c.kernel())
                .append(": ")
                .append(c.agreeing())
                .append('/')
                .append(c.compared())
                .append(" steps agree");
        for (StepDisagreement d : c.disagreements()) {
            text.append("\n  step ")
                    .append(d.step())
                    .append(' ')
                    .append(d.op())
                    .append(' ')
                    .append(d.field())
                    .append(": ")
                    .append(left)
                    .append(' ')
                    .append(d.engine())
                    .append(", ")
                    .append(right)
                    .append(' ')
                    .append(d.kernel());
        }
        c.topologyDifferences().forEach(t -> text.append("\n  topology: ").append(t));
        return text.toString();
    }

    private static ObjectNode asJson(FileComparison c) {
        ObjectNode node = JSON.objectNode();
        node.put("file", c.file())
                .put("kernel", c.kernel())
                .put("compared", c.compared())
                .put("agreeing", c.agreeing());
        ArrayNode list = node.putArray("disagreements");
        for (StepDisagreement d : c.disagreements()) {
            ObjectNode entry =
                    list.addObject().put("step", d.step()).put("op", d.op()).put("field", d.field());
            entry.set("engine", d.engine());
            entry.set("kernel", d.kernel());
        }
        ArrayNode topology = node.putArray("topology");
        c.topologyDifferences().forEach(topology::add);
        c.skipped().ifPresent(s -> node.put(c.runFailed() ? "failed" : "skipped", s));
        return node;
    }
}
