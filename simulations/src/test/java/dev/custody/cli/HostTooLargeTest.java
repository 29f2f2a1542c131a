package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A host too large for the heap is refused before it is built, with the estimated need, instead of
 * an OutOfMemoryError halfway through its boot (50 million groups would need tens of gigabytes).
 */
class HostTooLargeTest {

    @Test
    void simulateRefusesAHostLargerThanTheHeapAtStart() {
        for (String engine : new String[] {"rules", "actors"}) {
            CliRun run = CliRun.of(
                    "simulate", "--engine", engine, "--groups", "50000000", "--ops", "10", "--deterministic", "--json");
            assertEquals(2, run.status(), engine + ": " + run.err());
            assertTrue(run.err().startsWith("custody simulate: a host of 50000000 IOMMU groups"), run.err());
            assertTrue(run.err().matches("(?s).*needs about \\d+ MB of heap.*this JVM may use \\d+ MB.*"), run.err());
            assertFalse(run.err().contains("OutOfMemoryError"), run.err());
            assertEquals("", run.out());
        }
    }

    @Test
    void simulateStartsAHostThatFits() {
        CliRun run = CliRun.of("simulate", "--groups", "64", "--ops", "50", "--deterministic", "--json");
        assertEquals(0, run.status(), run.err());
    }
}
