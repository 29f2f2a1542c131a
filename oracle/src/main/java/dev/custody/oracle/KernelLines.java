package dev.custody.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.ops.AgentReply;
import dev.custody.ops.Operation;
import dev.custody.ops.Operations;
import dev.custody.scenario.Expectations;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.Step;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel's answers as the lines of {@code custody scenario run} (docs/scenario-format.md, Output),
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
                        answer.value("id")
                                .ifPresent(id -> objectNames.put(id, step.as().get()));
                    }
                    if (step.op().equals("iommufd.destroy")) {
                        // the destroyed object's id is free again: an automatic HWPT may get it next
                        step.field("id")
                                .map(n -> n.asText())
                                .ifPresent(name -> objectNames.values().remove(name));
                    }
                }
            }
            completes(answers.completions().getOrDefault(step.number(), List.of()))
                    .ifPresent(c -> line.set("completes", c));
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
        summary.putObject("summary")
                .put("steps", scenario.steps().size())
                .put("mismatches", mismatches)
                .put("file", scenario.source())
                .put("kernel", kernel);
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
        completions.stream()
                .mapToInt(AgentAnswers.Completion::pendingStep)
                .sorted()
                .forEach(list::add);
        return Optional.of(list);
    }

    /** Expectations the kernel can be held to: the result, completions and observable values. */
    private static boolean matches(Step step, ObjectNode line) {
        boolean match =
                step.expect().map(e -> e.equals(line.get("result").asText())).orElse(true);
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

    /** The step's value read from the agent's answer by the step's operation, in the scenario's names. */
    private static Optional<ObjectNode> value(
            Step step, AgentAnswers.Answer answer, GuestLayout layout, Map<String, String> objectNames) {
        Operation<?> operation = Operations.find(step.op()).orElseThrow();
        Command<?> command = operation.read(step.number(), step.node(), Map.of());
        return operation.agentValue(command, new AgentReply() {
            @Override
            public Optional<String> text(String name) {
                return answer.value(name);
            }

            @Override
            public Optional<String> scenarioDriver(DeviceId device, String guestDriver) {
                return layout.scenarioDriver(device, guestDriver);
            }

            @Override
            public String objectName(String id) {
                return objectNames.getOrDefault(id, AUTO_PT);
            }

            @Override
            public ArrayNode devices() {
                return KernelLines.devices(answer, layout);
            }
        });
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
                    node.put(
                            "driver",
                            layout.scenarioDriver(device.scenarioName(), guestDriver)
                                    .orElse(null));
                    entries.add(node);
                }
            });
        }
        entries.sort(java.util.Comparator.comparing(n -> n.get("device").asText()));
        entries.forEach(devices::add);
        return devices;
    }
}
