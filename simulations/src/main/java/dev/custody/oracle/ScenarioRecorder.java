package dev.custody.oracle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code custody oracle diff --record}: writes the kernel's answers into a scenario file as its
 * expectations (expect, completes and the values the kernel reports), and names the kernel in a
 * top-level {@code recorded} field. Everything else in the file stays, expectState and the value
 * fields only the engine can answer included. The file is replaced
 * atomically, so an interrupted recording leaves the old file.
 */
public final class ScenarioRecorder {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScenarioRecorder() {}

    public static void record(Path file, KernelRun run) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            List<ObjectNode> lines = run.stepLines();
            JsonNode steps = root.get("steps");
            for (int i = 0; i < steps.size(); i++) {
                expectations((ObjectNode) steps.get(i), lines.get(i));
            }
            root.putObject("recorded").put("kernel", run.kernel().name()).put("release", run.kernel().release());
            Path temporary = file.resolveSibling(file.getFileName() + ".recording");
            Files.writeString(temporary, format(root), StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record into " + file, e);
        }
    }

    private static void expectations(ObjectNode step, ObjectNode kernel) {
        step.put("expect", kernel.get("result").asText());
        if (kernel.has("completes")) {
            step.set("completes", kernel.get("completes"));
        } else {
            step.remove("completes");
        }
        if (!kernel.has("value")) {
            return;
        }
        // the kernel's observable fields replace the file's; fields only the engine can answer
        // (a group's owner count, owner and domain) stay as the file had them
        ObjectNode value = step.has("expectValue") && step.get("expectValue").isObject()
                ? (ObjectNode) step.get("expectValue") : JSON.createObjectNode();
        kernel.get("value").properties().forEach(field -> value.set(field.getKey(), field.getValue()));
        if (value.path("pt").asText().equals(KernelLines.AUTO_PT)) {
            value.remove("pt");
        }
        if (value.isEmpty()) {
            step.remove("expectValue");
        } else {
            step.set("expectValue", value);
        }
    }

    /** The corpus's layout: top-level fields pretty-printed, the steps one per line. */
    static String format(ObjectNode root) throws JsonProcessingException {
        StringBuilder text = new StringBuilder("{\n");
        Iterator<Map.Entry<String, JsonNode>> fields = root.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            text.append("  ").append(JSON.writeValueAsString(field.getKey())).append(": ");
            if (field.getKey().equals("steps")) {
                text.append("[\n");
                for (int i = 0; i < field.getValue().size(); i++) {
                    text.append("    ").append(JSON.writeValueAsString(field.getValue().get(i)))
                            .append(i + 1 < field.getValue().size() ? ",\n" : "\n");
                }
                text.append("  ]");
            } else {
                text.append(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(field.getValue())
                        .replace(System.lineSeparator(), "\n").replace("\n", "\n  "));
            }
            text.append(fields.hasNext() ? ",\n" : "\n");
        }
        return text.append("}\n").toString();
    }
}
