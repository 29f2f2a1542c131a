package dev.custody.replay;

import dev.custody.entity.AnswerRecord;
import dev.custody.invariants.Invariants;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Checks every invariant after every replayed decision, with the answer the journal recorded for it,
 * so G12 (a failed operation must not change the domain) is judged too. An older journal keeps a
 * decision's events but not its answer; its steps are checked as successful ones, where G12 cannot be
 * judged. Commands recorded as changing nothing are decided again by {@link AnswerCheck}.
 */
public final class InvariantCheck implements Consumer<ReplayStep> {
    private static final Outcome<Reply> EVENTS_ARE_FACTS = Outcome.ok(Reply.NONE);

    private final List<StepViolation> violations = new ArrayList<>();

    @Override
    public void accept(ReplayStep step) {
        Outcome<Reply> answer =
                step.decision().answer().map(AnswerRecord::outcome).orElse(EVENTS_ARE_FACTS);
        Invariants.checkStep(step.before(), step.after(), answer)
                .forEach(v -> violations.add(
                        new StepViolation(step.decision().seq(), step.decision().operationId(), v)));
    }

    public List<StepViolation> violations() {
        return List.copyOf(violations);
    }
}
