package dev.custody.sim;

import dev.custody.invariants.Invariants;
import dev.custody.invariants.Violation;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything checked after every event: the invariants of spec section 7 (both kinds: no agent makes
 * raw in-kernel calls that could break a caller contract, so any violation is the engine's) and DMA
 * reachability.
 */
final class StepCheck {
    private StepCheck() {}

    static List<Violation> after(KernelState before, Decision decision) {
        List<Violation> found = new ArrayList<>(Invariants.checkStep(before, decision.state(), decision.outcome()));
        found.addAll(Reachability.check(decision.state()));
        return found;
    }
}
