package dev.custody.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
    /** Lines up to this long stay whole, as the corpus is written. */
    private static final int LINE = 110;

    private ScenarioRecorder() {}

    public static void record(Path file, KernelRun run) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            List<ObjectNode> lines = run.stepLines();
            JsonNode steps = root.get("steps");
            for (int i = 0; i < steps.size(); i++) {
                expectations((ObjectNode) steps.get(i), lines.get(i));
            }
            root.putObject("recorded")
                    .put("kernel", run.kernel().name())
                    .put("release", run.kernel().release());
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
                ? (ObjectNode) step.get("expectValue")
                : JSON.createObjectNode();
        kernel.get("value").properties().forEach(field -> {
            // an automatic HWPT has no name the kernel knows: the file's name for it stays
            boolean unnamed =
                    field.getKey().equals("pt") && field.getValue().asText().equals(KernelLines.AUTO_PT);
            if (!unnamed) {
                value.set(field.getKey(), field.getValue());
            }
        });
        if (value.isEmpty()) {
            step.remove("expectValue");
        } else {
            step.set("expectValue", value);
        }
    }

    /**
     * The corpus's layout: a field that fits on a line stays on one line, with a space after every
     * colon and comma; a larger object or array gets one line per member; steps are one per line.
     */
    static String format(ObjectNode root) {
        StringBuilder text = new StringBuilder();
        write(root, 0, text, false);
        return text.append('\n').toString();
    }

    private static void write(JsonNode node, int indent, StringBuilder text, boolean oneMemberPerLine) {
        String inline = inline(node);
        if (!oneMemberPerLine && (node.isValueNode() || indent + inline.length() <= LINE)) {
            text.append(inline);
            return;
        }
        String pad = " ".repeat(indent + 2);
        boolean object = node.isObject();
        text.append(object ? "{\n" : "[\n");
        int index = 0;
        for (Map.Entry<String, JsonNode> member : members(node)) {
            text.append(pad);
            if (object) {
                text.append(quote(member.getKey())).append(": ");
            }
            if (member.getKey().equals("steps") && member.getValue().isArray()) {
                writeSteps(member.getValue(), indent + 2, text);
            } else {
                write(member.getValue(), indent + 2, text, false);
            }
            text.append(++index < node.size() ? ",\n" : "\n");
        }
        text.append(" ".repeat(indent)).append(object ? "}" : "]");
    }

    private static void writeSteps(JsonNode steps, int indent, StringBuilder text) {
        text.append("[\n");
        for (int i = 0; i < steps.size(); i++) {
            text.append(" ".repeat(indent + 2))
                    .append(inline(steps.get(i)))
                    .append(i + 1 < steps.size() ? ",\n" : "\n");
        }
        text.append(" ".repeat(indent)).append("]");
    }

    private static List<Map.Entry<String, JsonNode>> members(JsonNode node) {
        List<Map.Entry<String, JsonNode>> members = new java.util.ArrayList<>();
        if (node.isObject()) {
            node.properties().forEach(members::add);
        } else {
            node.forEach(element -> members.add(Map.entry("", element)));
        }
        return members;
    }

    private static String inline(JsonNode node) {
        if (node.isObject()) {
            List<String> fields = new java.util.ArrayList<>();
            node.properties().forEach(f -> fields.add(quote(f.getKey()) + ": " + inline(f.getValue())));
            return "{" + String.join(", ", fields) + "}";
        }
        if (node.isArray()) {
            List<String> elements = new java.util.ArrayList<>();
            node.forEach(e -> elements.add(inline(e)));
            return "[" + String.join(", ", elements) + "]";
        }
        return node.toString();
    }

    private static String quote(String text) {
        return JSON.getNodeFactory().textNode(text).toString();
    }
}
