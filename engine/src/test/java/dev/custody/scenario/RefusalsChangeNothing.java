package dev.custody.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.KernelEngine;
import dev.custody.api.ModelEngine;
import dev.custody.model.Command;
import dev.custody.model.Outcome;
import dev.custody.model.Topology;
import dev.custody.model.event.DeviceEvent;
import dev.custody.model.event.DomainEvent;
import dev.custody.model.event.GroupEvent;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The pure model with one more check on every decision: a call refused with an errno leaves the
 * kernel exactly as it found it (the kernel's revert paths: a failed ioctl changes nothing). Two
 * refusals keep something on purpose, and only that: a failed probe consumes the failure injected
 * for it ({@code driver.fail_next_probe}), and a claim refused by require_direct keeps the blocking
 * domain it allocated for the group (G11). Events that cancel out (a probe's claim dropped by its
 * dma cleanup) are allowed; what the refusal leaves is compared, not how it got there.
 */
public final class RefusalsChangeNothing implements KernelEngine {
    private final ModelEngine model = new ModelEngine();
    private final List<String> broken = new ArrayList<>();

    /**
     * Runs scenario {@code json} (named {@code name} in messages) on a fresh engine of this kind and
     * fails the test if an expectation or invariant failed or a refusal changed the kernel; returns
     * the kernel after it.
     */
    public static KernelState holds(String name, String json) {
        List<ObjectNode> lines = new ArrayList<>();
        RefusalsChangeNothing engine = new RefusalsChangeNothing();
        ScenarioRunner.Summary summary = ScenarioRunner.run(ScenarioParser.parse(name, json), engine, lines::add);
        assertTrue(
                summary.passed(),
                "expectations or invariants failed:\n"
                        + String.join(
                                "\n",
                                lines.stream()
                                        .filter(l -> !l.path("match").asBoolean(true) || l.has("violations"))
                                        .map(ObjectNode::toString)
                                        .toList()));
        assertEquals(List.of(), engine.broken(), "a refused call changed the kernel");
        return engine.state();
    }

    /** Each refusal that changed something, with the command and what it decided. */
    public List<String> broken() {
        return List.copyOf(broken);
    }

    @Override
    public Decision boot(Topology topology) {
        return model.boot(topology);
    }

    @Override
    public CompletionStage<Decision> submit(Command<?> command, String operationId) {
        return CompletableFuture.completedFuture(decide(command, operationId));
    }

    @Override
    public Decision decide(Command<?> command, String operationId) {
        KernelState before = model.state();
        Decision decision = model.decide(command, operationId);
        if (decision.outcome() instanceof Outcome.Failed<?>
                && !decision.state().equals(before.applyAll(kept(decision.events())))) {
            broken.add(command + " was refused with " + decision.outcome().resultName() + " but decided "
                    + decision.events());
        }
        return decision;
    }

    /** The events a refusal may keep. */
    private static List<KernelEvent> kept(List<KernelEvent> events) {
        return events.stream()
                .filter(e -> e instanceof DeviceEvent.ProbeFailureConsumed
                        || e instanceof GroupEvent.BlockingDomainSet
                        || e instanceof DomainEvent.DomainAllocated allocated
                                && allocated.domain().kind() == DomainKind.BLOCKED)
                .toList();
    }

    @Override
    public KernelState state() {
        return model.state();
    }

    @Override
    public void close() {
        model.close();
    }
}
