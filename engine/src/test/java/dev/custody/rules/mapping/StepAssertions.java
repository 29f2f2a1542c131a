package dev.custody.rules.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;

/** Assertions on {@link MappingStep}s shared by the mapping tests. */
final class StepAssertions {

    private StepAssertions() {}

    /** The step failed with {@code errno}, kept the state it started from and gave a reason. */
    static <S, E, T> void assertFails(Errno errno, S before, MappingStep<S, E, T> step) {
        if (!(step.outcome() instanceof Outcome.Failed<T> failed)) {
            fail("expected " + errno + " but got " + step.outcome());
            return;
        }
        assertEquals(errno, failed.errno(), failed.reason());
        assertSame(before, step.state(), "a failed step must return the unchanged state");
        assertFalse(failed.reason().isBlank());
    }

    /**
     * The step failed with {@code errno} after work it keeps (an IOAS unmap stopped by a cut area) and
     * left a state equal to {@code expectedState}.
     */
    static <S, E, T> void assertFailsLeaving(Errno errno, S expectedState, MappingStep<S, E, T> step) {
        if (!(step.outcome() instanceof Outcome.Failed<T> failed)) {
            fail("expected " + errno + " but got " + step.outcome());
            return;
        }
        assertEquals(errno, failed.errno(), failed.reason());
        assertEquals(expectedState, step.state());
        assertFalse(failed.reason().isBlank());
    }

    /** The step succeeded with {@code value}; returns the new state. */
    static <S, E, T> S assertOk(T value, MappingStep<S, E, T> step) {
        assertTrue(step.outcome().isOk(), () -> "expected ok but got " + step.outcome());
        assertEquals(value, step.value());
        return step.state();
    }

    static <T> void assertFails(Errno errno, Outcome<T> outcome) {
        if (!(outcome instanceof Outcome.Failed<T> failed)) {
            fail("expected " + errno + " but got " + outcome);
            return;
        }
        assertEquals(errno, failed.errno(), failed.reason());
    }
}
