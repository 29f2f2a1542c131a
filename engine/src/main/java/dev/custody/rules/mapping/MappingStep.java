package dev.custody.rules.mapping;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import java.util.Objects;

/**
 * The result of one bookkeeping operation: the state after it and the kernel's answer.
 *
 * <p>A failed outcome comes with the state the operation started from, with exactly one exception:
 * an {@link IoasSpace} unmap ({@link IoasSpace#unmap}, {@link IoasSpace#unmapCompat}) whose range cuts
 * an area answers ENOENT with the state in which every area lying wholly inside the range at a lower
 * IOVA than the cut area has already been removed, because the kernel removes the areas lowest first
 * and stops at the first one it would have to split. When the cut area is the first one the range
 * meets, nothing has been removed and the state is the one the operation started from. Such a step is
 * built with {@link #failAfterPartialUnmap}; every other failure uses {@link #fail}.
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

    /**
     * The one failure that keeps work already done: an IOAS unmap that stopped at an area it would cut,
     * after removing the wholly covered areas below it (see the class comment).
     */
    static <S, T> MappingStep<S, T> failAfterPartialUnmap(S stateAfterRemovals, Errno errno, String reason) {
        return new MappingStep<>(stateAfterRemovals, Outcome.fail(errno, reason));
    }

    /** The ok value; throws when the step failed (for callers that have already checked). */
    public T value() {
        if (outcome instanceof Outcome.Ok<T> ok) {
            return ok.value();
        }
        throw new IllegalStateException("step did not succeed: " + outcome);
    }
}
