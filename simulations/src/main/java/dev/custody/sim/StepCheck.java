package dev.custody.sim;

import dev.custody.invariants.Invariants;
import dev.custody.invariants.Violation;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything checked after every event: the invariants of docs/invariants.md (both kinds: no agent makes
 * raw in-kernel calls that could break a caller contract, so any violation is the engine's) and DMA
 * reachability.
 */
final class StepCheck {
    private StepCheck() {}

    /**
     * Incrementally, only what the decision's events touched is checked (a run stops at its first
     * violation, so every state it checks from is clean; {@code StepCheckTest} proves on random steps
     * that incremental and full checking agree). A decision without events changed nothing.
     */
    static List<Violation> after(KernelState before, Decision decision, CheckMode mode) {
        if (decision.events().isEmpty()) {
            return List.of(); // nothing changed
        }
        KernelState after = decision.state();
        return switch (mode) {
            case INCREMENTAL -> {
                List<Violation> found = new ArrayList<>(
                        Invariants.checkStepIncrementally(before, after, decision.outcome(), decision.events()));
                found.addAll(Reachability.check(after, Reachability.scope(before, after, decision.events())));
                yield found;
            }
            case FULL -> {
                List<Violation> found = new ArrayList<>(Invariants.checkStep(before, after, decision.outcome()));
                found.addAll(Reachability.check(after));
                yield found;
            }
        };
    }

    static List<Violation> after(KernelState before, Decision decision) {
        return after(before, decision, CheckMode.INCREMENTAL);
    }
}
