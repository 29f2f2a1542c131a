package dev.custody.rules.mapping;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import java.util.List;
import java.util.Objects;

/**
 * What one map/unmap-style call decided: the kernel's answer, the elements (page-table leaves,
 * vfio_dma entries or IOAS areas) it removed and added, and the state after it. The state is the one
 * the call started from with {@code removed} taken out and {@code added} put in: the change an event
 * carries, which is all the state needs to apply (it never decides again).
 *
 * <p>A failed outcome removes and adds nothing, with exactly one exception: an IOAS unmap
 * ({@link IoasSpaceRules#unmap}, {@link IoasSpaceRules#unmapCompat}) whose range cuts an area answers
 * ENOENT after removing every area lying wholly inside the range at a lower IOVA than the cut area,
 * because the kernel removes the areas lowest first and stops at the first one it would have to split.
 * Such a step is built with {@link #failAfterPartialUnmap}; every other failure uses {@link #fail}.
 *
 * @param <S> the bookkeeping (a domain's page table, a type1 vfio_dma list, an IOAS)
 * @param <E> what it holds (a leaf, an entry, an area)
 * @param <T> the value of a successful answer
 */
public record MappingStep<S, E, T>(S state, Outcome<T> outcome, List<E> removed, List<E> added) {

    public MappingStep {
        Objects.requireNonNull(state);
        Objects.requireNonNull(outcome);
        removed = List.copyOf(removed);
        added = List.copyOf(added);
    }

    /** Accepted without adding or removing an element (or a change that is not about elements). */
    public static <S, E, T> MappingStep<S, E, T> ok(S newState, T value) {
        return new MappingStep<>(newState, Outcome.ok(value), List.of(), List.of());
    }

    /** Accepted: {@code removed} went and {@code added} came, leading to {@code newState}. */
    public static <S, E, T> MappingStep<S, E, T> changed(S newState, T value, List<E> removed, List<E> added) {
        return new MappingStep<>(newState, Outcome.ok(value), removed, added);
    }

    public static <S, E, T> MappingStep<S, E, T> fail(S unchangedState, Errno errno, String reason) {
        return new MappingStep<>(unchangedState, Outcome.fail(errno, reason), List.of(), List.of());
    }

    /** A refusal passed on from a check that returned only an outcome. */
    static <S, E, T> MappingStep<S, E, T> refused(S unchangedState, Outcome<T> failure) {
        return new MappingStep<>(unchangedState, failure, List.of(), List.of());
    }

    /**
     * The one failure that keeps work already done: an IOAS unmap that stopped at an area it would cut,
     * after removing the wholly covered areas below it (see the class comment).
     */
    static <S, E, T> MappingStep<S, E, T> failAfterPartialUnmap(
            S stateAfterRemovals, Errno errno, String reason, List<E> removed) {
        return new MappingStep<>(stateAfterRemovals, Outcome.fail(errno, reason), removed, List.of());
    }

    /** True when the step removed or added an element. */
    public boolean changedElements() {
        return !removed.isEmpty() || !added.isEmpty();
    }

    /** The ok value; throws when the step failed (for callers that have already checked). */
    public T value() {
        if (outcome instanceof Outcome.Ok<T> ok) {
            return ok.value();
        }
        throw new IllegalStateException("step did not succeed: " + outcome);
    }
}
