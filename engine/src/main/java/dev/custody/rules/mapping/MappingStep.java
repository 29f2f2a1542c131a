package dev.custody.rules.mapping;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import java.util.Objects;

/**
 * The result of one bookkeeping operation: the state after it and the kernel's answer. A failed
 * outcome always comes with the state the operation started from.
 */
public record MappingStep<S, T>(S state, Outcome<T> outcome) {

    public MappingStep {
        Objects.requireNonNull(state);
        Objects.requireNonNull(outcome);
    }

    public static <S, T> MappingStep<S, T> ok(S newState, T value) {
        return new MappingStep<>(newState, Outcome.ok(value));
    }

    public static <S, T> MappingStep<S, T> fail(S unchangedState, Errno errno, String reason) {
        return new MappingStep<>(unchangedState, Outcome.fail(errno, reason));
    }

    /** The ok value; throws when the step failed (for callers that have already checked). */
    public T value() {
        if (outcome instanceof Outcome.Ok<T> ok) {
            return ok.value();
        }
        throw new IllegalStateException("step did not succeed: " + outcome);
    }
}
