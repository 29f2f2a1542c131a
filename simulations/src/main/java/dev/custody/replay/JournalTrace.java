package dev.custody.replay;

import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandRecord;
import dev.custody.trace.OwnershipTrace;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A journal's trace ({@link OwnershipTrace}) as the replay folds it: every decision at the time its
 * row was written, each command the journal recorded as changing nothing at its own row's time just
 * before the decision that followed it, and every violation the replay's checks found at the decision
 * that broke it. Time zero is the journal's first decision (the boot), or an earlier marker's time. Observe after the checks.
 */
public final class JournalTrace implements Consumer<ReplayStep> {
    private final OwnershipTrace trace;
    private final Instant zero;
    private final List<RecordedAnswer> answered;
    private final List<Supplier<List<StepViolation>>> checks;
    private final int[] reported;
    private int nextAnswer;

    /** {@code checks}: the violations found so far by each check that observes the fold before this. */
    public JournalTrace(OutputStream out, JournalHistory history, List<Supplier<List<StepViolation>>> checks) {
        this(out, history, checks, Optional.empty());
    }

    /** {@code earliest}: a marker's time before the journal's first decision, which then becomes time zero. */
    public JournalTrace(
            OutputStream out,
            JournalHistory history,
            List<Supplier<List<StepViolation>>> checks,
            Optional<Instant> earliest) {
        Instant first = history.decisions().isEmpty()
                ? history.started()
                : history.decisions().getFirst().time();
        this.zero = earliest.filter(e -> e.isBefore(first)).orElse(first);
        this.trace = new OwnershipTrace(out, dev.custody.model.state.KernelState.empty(history.topology()), 0);
        this.answered = history.answered().stream()
                .sorted(Comparator.comparingLong(RecordedAnswer::afterSeq))
                .toList();
        this.checks = List.copyOf(checks);
        this.reported = new int[checks.size()];
    }

    /** Microseconds since the journal's first decision. */
    public double micros(Instant time) {
        Duration since = Duration.between(zero, time);
        return since.getSeconds() * 1e6 + since.getNano() / 1e3;
    }

    @Override
    public void accept(ReplayStep step) {
        RecordedDecision decision = step.decision();
        answeredUpTo(decision.seq() - 1);
        String operation = decision.command().map(CommandRecord::operation).orElse("decision");
        String caller = decision.command().map(CommandRecord::caller).orElse("?");
        AnswerRecord answer = decision.answer().orElse(new AnswerRecord("ok", "", ""));
        double ts = micros(decision.time());
        trace.decision(
                new OwnershipTrace.Call(
                        decision.seq(), operation, decision.operationId(), caller, answer.result(), answer.reason()),
                ts,
                step.before(),
                step.after(),
                decision.events());
        newViolations(ts);
    }

    /** A marker of the run (a kill, a restart) at a time of the same clock as the journal's rows. */
    public void marker(String name, Instant time, Map<String, ?> args) {
        trace.marker(name, micros(time), args);
    }

    /** The commands recorded after the last decision and any violation found for them; then the end. */
    public void finish(long lastSeq, Map<String, ?> about) {
        answeredUpTo(lastSeq);
        newViolations(trace.lastTs());
        trace.finish(about);
    }

    public void close() {
        trace.close();
    }

    private void answeredUpTo(long seq) {
        while (nextAnswer < answered.size() && answered.get(nextAnswer).afterSeq() <= seq) {
            RecordedAnswer a = answered.get(nextAnswer++);
            // refusals change nothing: the state before and after is not needed
            trace.decision(
                    new OwnershipTrace.Call(
                            a.afterSeq(),
                            a.command().operation(),
                            a.command().operationId(),
                            a.command().caller(),
                            a.answer().result(),
                            a.answer().reason()),
                    micros(a.time()),
                    null,
                    null,
                    List.of());
        }
    }

    private void newViolations(double ts) {
        for (int i = 0; i < checks.size(); i++) {
            List<StepViolation> found = checks.get(i).get();
            for (StepViolation v : found.subList(reported[i], found.size())) {
                trace.violation(v.seq(), v.operationId(), v.violation(), ts);
            }
            reported[i] = found.size();
        }
    }
}
