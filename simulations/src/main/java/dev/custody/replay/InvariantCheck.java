package dev.custody.replay;

import dev.custody.invariants.Invariants;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Checks every invariant after every replayed decision. The journal keeps a decision's events but
 * not its reply, so each step is checked as a successful one: G12 (a failed operation must not
 * change the domain) is the one transition invariant replay cannot judge.
 */
public final class InvariantCheck implements Consumer<ReplayStep> {
    private static final Outcome<Reply> EVENTS_ARE_FACTS = Outcome.ok(Reply.NONE);

    private final List<StepViolation> violations = new ArrayList<>();

    @Override
    public void accept(ReplayStep step) {
        Invariants.checkStep(step.before(), step.after(), EVENTS_ARE_FACTS)
                .forEach(v -> violations.add(
                        new StepViolation(step.decision().seq(), step.decision().operationId(), v)));
    }

    public List<StepViolation> violations() {
        return List.copyOf(violations);
    }
}
