package dev.custody.oracle;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What `custody oracle diff` prints: each file's agreement and disagreements, then the total, and
 * why the check fails when it does. It fails when a step or group differs, a run failed, nothing
 * was compared, or a file was skipped as not realisable without being allowed to be
 * ({@link AllowedSkips}).
 */
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
    private final AllowedSkips allowedSkips;
    /** Files skipped without being allowed to be, and listed files that ran: each fails the check. */
    private final List<String> unallowedSkips = new ArrayList<>();

    private final List<String> staleListings = new ArrayList<>();

    /** {@code left} and {@code right} name the two sides in text: "engine" and "kernel", or two kernels. */
    public OracleReport(PrintStream out, boolean json, String left, String right, AllowedSkips allowedSkips) {
        this.out = out;
        this.json = json;
        this.left = left;
        this.right = right;
        this.allowedSkips = allowedSkips;
    }

    public OracleReport(PrintStream out, boolean json, AllowedSkips allowedSkips) {
        this(out, json, "engine", "kernel", allowedSkips);
    }

    public void file(FileComparison comparison) {
        files++;
        if (comparison.skipped().isPresent()) {
            if (comparison.runFailed()) {
                failed++;
            } else {
                skipped++;
                if (allowedSkips.allows(comparison.file()).isEmpty()) {
                    unallowedSkips.add(
                            comparison.file() + ": " + comparison.skipped().get());
                }
            }
        } else {
            if (!comparison.agrees()) {
                disagreeingFiles++;
            }
            if (allowedSkips.lists(comparison.file())) {
                staleListings.add(comparison.file());
            }
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
                    .put("failed", failed)
                    .put("unallowedSkips", unallowedSkips.size())
                    .put("passed", passed());
            out.println(total);
            return;
        }
        out.printf(
                "oracle: total: %d/%d steps agree in %d files (%d with disagreements, %d failed to run, %d not realisable)%n",
                agreeing, compared, files - skipped - failed, disagreeingFiles, failed, skipped);
        failures().forEach(f -> out.println("oracle: FAILED: " + f));
    }

    /** Every step and group compared agreed, something was compared, and every skip was allowed. */
    public boolean passed() {
        return failures().isEmpty();
    }

    /** Why the check fails, one line each; empty when it passes. */
    public List<String> failures() {
        List<String> why = new ArrayList<>();
        if (disagreeingFiles > 0) {
            why.add(disagreeingFiles + " files disagree with the kernel");
        }
        if (failed > 0) {
            why.add(failed + " files failed to run");
        }
        if (compared == 0) {
            why.add("no step was compared (" + files + " files, " + skipped + " not realisable)");
        }
        if (!unallowedSkips.isEmpty()) {
            why.add(unallowedSkips.size() + " files were skipped as not realisable, which the check does not allow"
                    + " (--allow-skips[=LIST] allows them): " + String.join("; ", unallowedSkips));
        }
        if (!staleListings.isEmpty()) {
            why.add(staleListings.size() + " files listed as not realisable ran: remove them from the list: "
                    + String.join(", ", staleListings));
        }
        return why;
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
