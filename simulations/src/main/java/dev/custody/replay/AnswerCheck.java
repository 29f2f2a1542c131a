package dev.custody.replay;

import dev.custody.entity.AnswerRecord;
import dev.custody.invariants.Invariant;
import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Decides every recorded command again through the pure rules, at the state the journal says it was
 * decided against, and compares: a command recorded as changing nothing (a refusal, a query) must
 * still change nothing and get the same answer, and a decision must get the same answer and events
 * (D0). That a refusal changed nothing is what invariant G12 asks of a failed operation; the
 * decisions' own answers are checked for it by {@link InvariantCheck}. An older journal records no
 * commands, so nothing is checked here for it.
 */
public final class AnswerCheck implements Consumer<ReplayStep> {
    private final List<RecordedAnswer> answered;
    private final List<StepViolation> violations = new ArrayList<>();
    private int next;
    private long commands;

    public AnswerCheck(JournalHistory history) {
        this.answered = history.answered().stream()
                .sorted(Comparator.comparingLong(RecordedAnswer::afterSeq))
                .toList();
    }

    @Override
    public void accept(ReplayStep step) {
        judgeAnswered(step.decision().seq() - 1, step.before());
        RecordedDecision decision = step.decision();
        if (decision.command().isEmpty() || decision.command().get().operation().equals("boot")) {
            return;
        }
        commands++;
        Command<?> command = decision.command().get().read();
        Decision again = Operations.decide(step.before(), command);
        AnswerRecord recorded = decision.answer().orElseThrow();
        if (!again.events().equals(decision.events())
                || !AnswerRecord.of(again.outcome()).result().equals(recorded.result())) {
            violations.add(new StepViolation(
                    decision.seq(),
                    decision.operationId(),
                    new Violation(
                            Invariant.D0,
                            List.of(decision.command().get().operation()),
                            "the journal holds " + recorded.result() + " with "
                                    + decision.events().size()
                                    + " events; the rules decide "
                                    + again.outcome().resultName() + " with "
                                    + again.events().size())));
        }
    }

    /** Judges the commands recorded after the last decision, against the state the replay ended in. */
    public void finish(long lastSeq, KernelState last) {
        judgeAnswered(lastSeq, last);
    }

    private void judgeAnswered(long upTo, KernelState state) {
        while (next < answered.size() && answered.get(next).afterSeq() <= upTo) {
            RecordedAnswer answer = answered.get(next++);
            if (!answer.decidedByRules()) {
                continue; // refused for want of a capability, or by the host's allow-list, before the rules were asked
            }
            commands++;
            Command<?> command = answer.command().read();
            Decision again = Operations.decide(state, command);
            String result = AnswerRecord.of(again.outcome()).result();
            boolean kernelRefused = answer.host()
                    .map(h -> h.drifted(answer.answer()) && h.kernelRefused())
                    .orElse(false);
            if (!again.events().isEmpty() && !kernelRefused) {
                violations.add(violation(
                        answer,
                        answer.answer().ok() ? Invariant.D0 : Invariant.G12,
                        "recorded as " + answer.answer().result() + " changing nothing, but the rules decide " + result
                                + " with " + again.events().size() + " events"));
            } else if (!result.equals(answer.answer().result())) {
                violations.add(violation(
                        answer,
                        Invariant.D0,
                        "recorded as " + answer.answer().result() + ", but the rules answer " + result));
            }
        }
    }

    private static StepViolation violation(RecordedAnswer answer, Invariant invariant, String why) {
        return new StepViolation(
                answer.afterSeq(),
                answer.command().operationId(),
                new Violation(invariant, List.of(answer.command().operation()), why));
    }

    /** Commands decided again: decisions (but the boot) and commands that changed nothing. */
    public long commands() {
        return commands;
    }

    public List<StepViolation> violations() {
        return List.copyOf(violations);
    }
}
