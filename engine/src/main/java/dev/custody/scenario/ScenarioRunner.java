package dev.custody.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.KernelEngine;
import dev.custody.invariants.Invariants;
import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.event.DeviceEvent;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.ops.Operations;
import dev.custody.ops.U64;
import dev.custody.rules.Decision;
import dev.custody.rules.Describe;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Runs a scenario step by step against an engine and writes one JSON object per step, then a
 * summary (docs/scenario-format.md, Output). Invariants are checked after every step.
 */
public final class ScenarioRunner {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** What one file's run came to. {@code violations} counts KERNEL-kind invariant violations. */
    public record Summary(String file, int steps, int mismatches, int violations) {
        public boolean passed() {
            return mismatches == 0 && violations == 0;
        }
    }

    private ScenarioRunner() {}

    /** Runs the scenario; each line goes to {@code out}. A boot that fails is an invalid file. */
    public static Summary run(Scenario scenario, KernelEngine engine, Consumer<ObjectNode> out) {
        Decision booted = engine.boot(scenario.topology());
        if (!booted.outcome().isOk()) {
            throw ScenarioException.atField(
                    scenario.source(),
                    "topology",
                    booted.outcome().explanation().orElse("the topology does not boot"));
        }
        Map<String, Handle> names = new HashMap<>();
        Map<DeviceId, Integer> pendingSince = new HashMap<>();
        int mismatches = 0;
        int violations = 0;
        // each decision carries the state after it, so the next step's "before" needs no extra question
        KernelState before = booted.state();
        for (Step step : scenario.steps()) {
            Command<?> command = Operations.read(step.op(), step.number(), step.node(), names);
            Decision decision = engine.decide(command, scenario.source() + "#" + step.number());
            bindName(step, decision.outcome(), names);

            ObjectNode line = JSON.objectNode();
            line.put("step", step.number());
            line.put("op", step.op());
            line.put("result", decision.outcome().resultName());
            if (decision.outcome() instanceof Outcome.Ok<Reply> ok) {
                ReplyJson.value(ok.value()).ifPresent(v -> line.set("value", v));
            }
            decision.outcome().explanation().ifPresent(r -> line.put("reason", r));
            stateField(step, command, before, decision).ifPresent(state -> line.set("state", state));
            completions(step, decision, before, pendingSince).ifPresent(c -> line.set("completes", c));

            List<Violation> found = Invariants.checkStep(before, decision.state(), decision.outcome());
            List<Violation> kernel = found.stream()
                    .filter(v -> v.kind() == Violation.Kind.KERNEL)
                    .toList();
            List<Violation> caller = found.stream()
                    .filter(v -> v.kind() == Violation.Kind.CALLER)
                    .toList();
            if (!kernel.isEmpty()) {
                line.set("violations", violations(kernel));
                violations += kernel.size();
            }
            if (!caller.isEmpty()) {
                line.set("callerBugs", violations(caller));
            }
            if (step.hasExpectation()) {
                boolean match = matches(step, line, decision.state());
                line.put("match", match);
                if (!match) {
                    mismatches++;
                }
            }
            out.accept(line);
            before = decision.state();
        }
        Summary summary = new Summary(scenario.source(), scenario.steps().size(), mismatches, violations);
        ObjectNode last = JSON.objectNode();
        ObjectNode body = last.putObject("summary");
        body.put("steps", summary.steps())
                .put("mismatches", mismatches)
                .put("violations", violations)
                .put("file", scenario.source());
        out.accept(last);
        return summary;
    }

    private static void bindName(Step step, Outcome<Reply> outcome, Map<String, Handle> names) {
        if (step.as().isEmpty() || !(outcome instanceof Outcome.Ok<Reply> ok)) {
            return;
        }
        switch (ok.value()) {
            case Reply.Created c -> names.put(step.as().get(), c.handle());
            case Reply.Attached a -> names.put(step.as().get(), a.hwpt());
            default -> {}
        }
    }

    /** Groups the step named (directly, through a device or an fd) plus every group it changed. */
    private static SortedSet<GroupId> touchedGroups(
            Step step, Command<?> command, KernelState before, Decision decision) {
        SortedSet<GroupId> groups = new TreeSet<>();
        step.field("group").flatMap(U64::exact).ifPresent(n -> groups.add(new GroupId(n.intValue())));
        step.field("device")
                .filter(JsonNode::isTextual)
                .map(d -> new DeviceId(d.textValue()))
                .filter(before.devices()::containsKey)
                .flatMap(d -> before.spec(d).group())
                .ifPresent(groups::add);
        for (Handle handle : Operations.handles(command)) {
            if (handle instanceof Handle.File f) {
                before.file(f.id()).flatMap(file -> groupOfFile(before, file)).ifPresent(groups::add);
            }
        }
        for (GroupState group : decision.state().groups().values()) {
            if (!group.equals(before.groups().get(group.id()))) {
                groups.add(group.id());
            }
        }
        before.groups().keySet().stream()
                .filter(g -> !decision.state().groups().containsKey(g))
                .forEach(groups::add);
        return groups;
    }

    private static Optional<GroupId> groupOfFile(KernelState state, OpenFile file) {
        return switch (file) {
            case OpenFile.VfioGroupFile g -> g.group();
            case OpenFile.VfioDeviceFile d -> state.spec(d.device()).group();
            case OpenFile.CdevFile c -> state.spec(c.device()).group();
            default -> Optional.empty();
        };
    }

    /**
     * The {@code "state"} member of a step's line: every group the step named (directly, through a
     * device or an fd) or changed, as the decision left it; empty when there is none. {@code before}
     * is the state the decision was taken against. The control socket answers with the same member.
     */
    public static Optional<JsonNode> stateField(Step step, Command<?> command, KernelState before, Decision decision) {
        SortedSet<GroupId> groups = touchedGroups(step, command, before, decision);
        if (groups.isEmpty()) {
            return Optional.empty();
        }
        if (groups.size() == 1) {
            return Optional.of(groupState(decision.state(), groups.first()));
        }
        ArrayNode list = JSON.arrayNode();
        groups.forEach(g -> list.add(groupState(decision.state(), g)));
        return Optional.of(list);
    }

    static ObjectNode groupState(KernelState state, GroupId id) {
        ObjectNode node = JSON.objectNode();
        node.put("group", id.number());
        Optional<GroupState> group = state.group(id);
        node.put("ownerCnt", group.map(GroupState::ownerCnt).orElse(0));
        node.put("owner", group.flatMap(GroupState::owner).map(o -> o.label()).orElse(null));
        node.put(
                "domain",
                group.map(g -> Describe.domainOf(state, g, g.domain())).orElse(null));
        return node;
    }

    /** A step that let a blocked unbind or removal finish reports the step that started it. */
    private static Optional<JsonNode> completions(
            Step step, Decision decision, KernelState before, Map<DeviceId, Integer> pendingSince) {
        List<Integer> completed = new ArrayList<>();
        for (KernelEvent event : decision.events()) {
            if (event instanceof DeviceEvent.ReleaseBlocked blocked) {
                pendingSince.put(blocked.device(), step.number());
            }
            if (event instanceof DeviceEvent.DriverUnbound unbound
                    && before.device(unbound.device()).pending().isPresent()) {
                Integer since = pendingSince.remove(unbound.device());
                if (since != null) {
                    completed.add(since);
                }
            }
        }
        if (completed.isEmpty()) {
            return Optional.empty();
        }
        if (completed.size() == 1) {
            return Optional.of(JSON.numberNode(completed.get(0)));
        }
        ArrayNode list = JSON.arrayNode();
        completed.forEach(list::add);
        return Optional.of(list);
    }

    private static boolean matches(Step step, ObjectNode line, KernelState state) {
        boolean match =
                step.expect().map(e -> e.equals(line.get("result").asText())).orElse(true);
        if (step.expectCompletes().isPresent()) {
            match &= Expectations.matches(step.expectCompletes().get(), line.get("completes"));
        }
        if (step.expectValue().isPresent()) {
            match &= Expectations.matches(step.expectValue().get(), line.get("value"));
        }
        if (step.expectState().isPresent()) {
            JsonNode expected = step.expectState().get();
            List<JsonNode> entries = new ArrayList<>();
            if (expected.isArray()) {
                expected.forEach(entries::add);
            } else {
                entries.add(expected);
            }
            for (JsonNode entry : entries) {
                GroupId group =
                        new GroupId(U64.exact(entry.get("group")).orElseThrow().intValue());
                match &= Expectations.matches(entry, groupState(state, group));
            }
        }
        return match;
    }

    private static ArrayNode violations(List<Violation> violations) {
        ArrayNode list = JSON.arrayNode();
        violations.forEach(v -> {
            ObjectNode node = list.addObject();
            node.put("invariant", v.invariant());
            ArrayNode objects = node.putArray("objects");
            v.objects().forEach(objects::add);
            node.put("message", v.message());
        });
        return list;
    }
}
