package dev.custody.sim;

import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.Outcome;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import java.util.List;
import java.util.function.Consumer;

/**
 * Told every call of a simulation in the order its checks see them (decision order), with the state
 * before and after and what the checks found: what a trace of the run is written from. In a
 * concurrent run on the journaled engine, calls that changed nothing are not in the journal's order;
 * they are told as their answers come, with no states.
 */
public interface DecisionObserver {
    DecisionObserver NONE = new DecisionObserver() {};

    /** The machine as it booted, before the first call. */
    default void started(KernelState booted) {}

    /** One call; {@code before}/{@code after} null for a call that changed nothing told out of order. */
    default void decided(
            String agent,
            String operationId,
            Command<?> command,
            Outcome<?> outcome,
            KernelState before,
            KernelState after,
            List<KernelEvent> events,
            List<Violation> found) {}

    /** Violations found after the calls (the journal's audit at the end, an engine that did not answer). */
    default void failed(List<Violation> found) {}

    /** One call as {@link #decided} is told it. */
    record Call(
            String agent,
            String operationId,
            Command<?> command,
            Outcome<?> outcome,
            KernelState before,
            KernelState after,
            List<KernelEvent> events,
            List<Violation> found) {}

    /** An observer of the calls alone, for a reader that wants each as one value. */
    static DecisionObserver eachCall(Consumer<Call> each) {
        return new DecisionObserver() {
            @Override
            public void decided(
                    String agent,
                    String operationId,
                    Command<?> command,
                    Outcome<?> outcome,
                    KernelState before,
                    KernelState after,
                    List<KernelEvent> events,
                    List<Violation> found) {
                each.accept(new Call(agent, operationId, command, outcome, before, after, events, found));
            }
        };
    }
}
