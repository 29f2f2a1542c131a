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
     * Only what the decision's events touched is checked (a run stops at its first violation, so
     * every state it checks from is clean; a test proves incremental and full checking agree).
     */
    static List<Violation> after(KernelState before, Decision decision) {
        if (decision.events().isEmpty()) {
            return List.of(); // nothing changed
        }
        List<Violation> found = new ArrayList<>(
                Invariants.checkStepIncrementally(before, decision.state(), decision.outcome(), decision.events()));
        found.addAll(Reachability.check(decision.state()));
        return found;
    }
}
