package dev.custody.sim;

import dev.custody.api.OwnershipChange;
import dev.custody.invariants.Invariant;
import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Describe;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Checks a concurrent run in the order the engine journaled its decisions, while agents keep many
 * calls in flight: each journaled decision is re-decided on the pure model from the state before it
 * (the differential check), folded into a shadow state, and checked for every invariant. Calls that
 * changed nothing are not journaled and cannot change any invariant; they are counted, not checked.
 */
final class JournalOrderChecker {
    private record Call(String agent, Command<?> command) {}

    private final Map<String, Call> calls = new ConcurrentHashMap<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private KernelState shadow;
    private final KernelState initial;
    private final TraceWindow trace;
    private final List<SimResult.OwnershipPoint> timeline = new ArrayList<>();
    private Optional<Simulation.Recorder.Failed> failure = Optional.empty();
    private long checked;

    private final CheckMode check;

    private final DecisionObserver observer;

    JournalOrderChecker(KernelState initial, CheckMode check, DecisionObserver observer) {
        this(initial, check, observer, TraceWindow.DEFAULT_SIZE);
    }

    /** {@code window}: the last calls kept for shrinking a failure ({@link TraceWindow}). */
    JournalOrderChecker(KernelState initial, CheckMode check, DecisionObserver observer, int window) {
        this.observer = observer;
        this.initial = initial;
        this.trace = new TraceWindow(window);
        this.shadow = initial;
        this.check = check;
        initial.groups().values().forEach(g -> timeline.add(point(0, initial, g)));
    }

    /** Registers a call before it is sent, so its decision can be matched when it is journaled. */
    void sent(String operationId, String agent, Command<?> command) {
        calls.put(operationId, new Call(agent, command));
    }

    /**
     * Forgets a call that was answered without changing anything: it is never journaled, so nothing
     * will match it. Kept, such calls were most of a long run's live heap after the engine's (a third
     * of 410,000 calls in 24 minutes), and they grew with the run.
     */
    void answeredUnchanged(String operationId) {
        calls.remove(operationId);
    }

    /** Calls sent and neither journaled nor answered unchanged yet: the ones in flight. */
    int callsInFlight() {
        return calls.size();
    }

    synchronized void journaled(OwnershipChange change) {
        if (failure.isPresent()) {
            return;
        }
        Call call = calls.remove(change.operationId());
        if (call == null) {
            // not one of this run's calls: still folded, or every later check would use a stale state
            shadow = shadow.applyAll(change.events());
            if (!change.operationId().equals("boot")) {
                fail(List.of(new Violation(
                        Invariant.J3,
                        List.of(change.operationId()),
                        "the journal holds a decision no agent asked for")));
            }
            notifyAll();
            return;
        }
        KernelState before = shadow;
        Decision model = Operations.decide(before, call.command());
        List<Violation> found = new ArrayList<>();
        if (!model.events().equals(change.events())) {
            found.add(new Violation(
                    Invariant.D0,
                    List.of(call.command().getClass().getSimpleName()),
                    "the engine journaled " + change.events().size() + " events; the model decides "
                            + model.events().size() + " on the same state"));
        }
        KernelState after = before.applyAll(change.events());
        found.addAll(StepCheck.after(before, new Decision(change.events(), model.outcome(), after), check));
        trace.add(before, new TraceEntry(call.agent(), call.command(), model.outcome()));
        observer.decided(
                call.agent(),
                change.operationId(),
                call.command(),
                model.outcome(),
                before,
                after,
                change.events(),
                found);
        checked++;
        shadow = after;
        ChangedGroups.of(before, after, change.events(), check)
                .forEach(g -> timeline.add(point(trace.calls(), after, g)));
        if (!found.isEmpty()) {
            failure = Optional.of(new Simulation.Recorder.Failed(trace.calls(), found));
            stopped.set(true);
        }
        notifyAll();
    }

    /** Waits (bounded) until {@code count} decisions have been checked; false if they did not all arrive. */
    synchronized boolean awaitChecked(long count, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (checked < count && failure.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                wait(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left) + 1);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private static SimResult.OwnershipPoint point(long step, KernelState state, GroupState group) {
        return new SimResult.OwnershipPoint(
                step,
                group.id().number(),
                group.owner().map(o -> o.label()).orElse("kernel"),
                group.ownerCnt(),
                Describe.domainOf(state, group, group.domain()));
    }

    boolean stopped() {
        return stopped.get();
    }

    synchronized long checked() {
        return checked;
    }

    synchronized KernelState shadow() {
        return shadow;
    }

    /** The calls kept for shrinking, and from which state they were decided. */
    synchronized TraceWindow.Kept kept() {
        return trace.kept(initial);
    }

    /** The calls the trace holds in memory now: at the window, however long the run. */
    synchronized long keptCalls() {
        return trace.keptCalls();
    }

    synchronized List<SimResult.OwnershipPoint> timeline() {
        return List.copyOf(timeline);
    }

    synchronized Optional<Simulation.Recorder.Failed> failure() {
        return failure;
    }

    synchronized void fail(List<Violation> found) {
        if (failure.isEmpty()) {
            failure = Optional.of(new Simulation.Recorder.Failed(trace.calls(), found));
            observer.failed(found);
        }
        stopped.set(true);
        notifyAll();
    }
}
