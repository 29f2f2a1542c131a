package dev.custody.sim;

import dev.custody.invariants.Invariant;
import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import java.util.List;

/**
 * The differential check: the engine's answer to a call must be the pure model's answer to the same
 * call on the same state, event for event. The actor engine decides through the model, so a
 * difference means the actors lost, reordered or invented something.
 */
final class Differential {
    private Differential() {}

    static List<Violation> check(KernelState before, Command<?> command, Decision engine) {
        Decision model = Operations.decide(before, command);
        if (model.outcome().equals(engine.outcome()) && model.events().equals(engine.events())) {
            return List.of();
        }
        return List.of(new Violation(
                Invariant.D0,
                List.of(command.getClass().getSimpleName()),
                "the engine answered " + engine.outcome().resultName() + " with "
                        + engine.events().size() + " events; the model answers "
                        + model.outcome().resultName() + " with "
                        + model.events().size()));
    }
}
