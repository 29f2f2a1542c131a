package dev.custody.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.DeviceId;
import dev.custody.scenario.Expectations;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.Step;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel's answers as the lines of {@code custody scenario run} (scenario-format.md "Output"),
 * with the kernel's name in a {@code kernel} field. Values carry what user space can observe; the
 * owner count and the attached domain cannot be read from outside the kernel, so {@code state}
 * lines have the drivers only.
 */
public final class KernelLines {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private KernelLines() {}

    /** The value of an attached pt the scenario never named: an automatic HWPT. */
    public static final String AUTO_PT = "auto";

    public static List<ObjectNode> of(Scenario scenario, GuestLayout layout, AgentAnswers answers, String kernel) {
        List<ObjectNode> lines = new ArrayList<>();
        Map<String, String> objectNames = new HashMap<>();
        int mismatches = 0;
        for (Step step : scenario.steps()) {
            ObjectNode line = JSON.objectNode();
            line.put("step", step.number());
            line.put("op", step.op());
            AgentAnswers.Answer answer = answers.steps().get(step.number());
            if (answer == null) {
                line.put("result", "NO_ANSWER");
                line.put("reason", "the guest agent gave no answer for this step");
            } else {
                line.put("result", answer.result());
                if (answer.result().equals("ok")) {
                    value(step, answer, layout, objectNames).ifPresent(v -> line.set("value", v));
                    if (step.as().isPresent()) {
                        answer.value("id").ifPresent(id -> objectNames.put(id, step.as().get()));
                    }
                }
            }
            completes(answers.completions().getOrDefault(step.number(), List.of())).ifPresent(c -> line.set("completes", c));
            line.put("kernel", kernel);
            if (step.hasExpectation()) {
                boolean match = matches(step, line);
                line.put("match", match);
                if (!match) {
                    mismatches++;
                }
            }
            lines.add(line);
        }
        ObjectNode summary = JSON.objectNode();
        summary.putObject("summary").put("steps", scenario.steps().size()).put("mismatches", mismatches)
                .put("file", scenario.source()).put("kernel", kernel);
        lines.add(summary);
        return lines;
    }

    private static Optional<JsonNode> completes(List<AgentAnswers.Completion> completions) {
        if (completions.isEmpty()) {
            return Optional.empty();
        }
        if (completions.size() == 1) {
            return Optional.of(JSON.numberNode(completions.get(0).pendingStep()));
        }
        ArrayNode list = JSON.arrayNode();
        completions.stream().mapToInt(AgentAnswers.Completion::pendingStep).sorted().forEach(list::add);
        return Optional.of(list);
    }

    /** Expectations the kernel can be held to: the result, completions and observable values. */
    private static boolean matches(Step step, ObjectNode line) {
        boolean match = step.expect().map(e -> e.equals(line.get("result").asText())).orElse(true);
        if (step.expectCompletes().isPresent()) {
            match &= Expectations.matches(step.expectCompletes().get(), line.get("completes"));
        }
        if (step.expectValue().isPresent() && line.has("value")) {
            ObjectNode observable = step.expectValue().get().deepCopy();
            observable.retain(fieldNames(line.get("value")));
            match &= Expectations.matches(observable, line.get("value"));
        }
        return match;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Optional<JsonNode> value(Step step, AgentAnswers.Answer answer, GuestLayout layout,
                                            Map<String, String> objectNames) {
        ObjectNode value = JSON.objectNode();
        switch (step.op()) {
            case "driver.probe" -> {
                DeviceId device = new DeviceId(step.field("device").orElseThrow().asText());
                value.put("driver", layout.scenarioDriver(device, answer.value("driver").orElse("none")).orElse(null));
            }
            case "vfio.group.status" -> {
                ArrayNode flags = value.putArray("flags");
                answer.value("flags").filter(f -> !f.isEmpty()).ifPresent(f -> List.of(f.split(",")).forEach(flags::add));
            }
            case "vfio.unmap_dma" -> value.put("size", number(answer, "size"));
            case "cdev.bind" -> value.put("devid", number(answer, "devid"));
            case "cdev.attach" -> value.put("pt", objectNames.getOrDefault(answer.value("pt_id").orElse(""), AUTO_PT));
            case "iommufd.ioas_map" -> value.put("iova", number(answer, "iova"));
            case "iommufd.ioas_unmap" -> value.put("length", number(answer, "length"));
            case "iommufd.iova_ranges" -> {
                ArrayNode ranges = value.putArray("ranges");
                answer.value("ranges").filter(r -> !r.isEmpty()).ifPresent(text -> {
                    for (String range : text.split(",")) {
                        String[] ends = range.split("-");
                        ranges.addArray().add(new BigInteger(ends[0])).add(new BigInteger(ends[1]));
                    }
                });
                value.put("alignment", number(answer, "alignment"));
            }
            case "state" -> value.set("devices", devices(answer, layout));
            default -> {
                return Optional.empty();
            }
        }
        return Optional.of(value);
    }

    /** {@code devices=ADDR:DRIVER,...} as scenario devices sorted by name with scenario driver names. */
    static ArrayNode devices(AgentAnswers.Answer answer, GuestLayout layout) {
        ArrayNode devices = JSON.arrayNode();
        List<ObjectNode> entries = new ArrayList<>();
        for (String entry : answer.value("devices").orElse("").split(",")) {
            int colon = entry.lastIndexOf(':');
            if (colon < 0) {
                continue;
            }
            String address = entry.substring(0, colon);
            String guestDriver = entry.substring(colon + 1);
            layout.byAddress(address).ifPresent(device -> {
                if (!guestDriver.equals("absent")) {
                    ObjectNode node = JSON.objectNode();
                    node.put("device", device.scenarioName().toString());
                    node.put("driver", layout.scenarioDriver(device.scenarioName(), guestDriver).orElse(null));
                    entries.add(node);
                }
            });
        }
        entries.sort(java.util.Comparator.comparing(n -> n.get("device").asText()));
        entries.forEach(devices::add);
        return devices;
    }

    private static BigInteger number(AgentAnswers.Answer answer, String name) {
        return new BigInteger(answer.value(name).orElse("0"));
    }
}
