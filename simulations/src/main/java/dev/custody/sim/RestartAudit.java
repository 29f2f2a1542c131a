package dev.custody.sim;

import dev.custody.api.ActorEngine;
import dev.custody.api.EntityAudit;
import dev.custody.invariants.Invariant;
import dev.custody.invariants.Violation;
import dev.custody.model.state.KernelState;
import java.util.List;

/**
 * The journal check at the end of an actor-engine run: the engine is stopped and started again on
 * its journal, and the state it recovers, and every entity's own journal, must equal the
 * acknowledged state.
 */
final class RestartAudit {
    private RestartAudit() {}

    static List<Violation> restartAndAudit(ActorEngine engine, KernelState expected) {
        engine.restart();
        KernelState recovered = engine.state();
        if (!recovered.equals(expected)) {
            return List.of(new Violation(
                    Invariant.J2,
                    List.of("journal"),
                    "the restarted engine recovered a state other than the acknowledged one"));
        }
        return EntityAudit.compare(engine.admin(), expected, 5).stream()
                .map(d -> new Violation(
                        Invariant.J4,
                        List.of(d.entity().kind() + " " + d.entity().key()),
                        "after a restart " + d))
                .toList();
    }
}
