package dev.custody.bench.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The benchmark's host size: given, or twice the callers (at least 16); never fewer groups than callers. */
class WorkloadTest {

    @Test
    void theHostHasTheGroupsAskedFor() {
        assertEquals(64, Workload.of(32).groups());
        assertEquals(16, Workload.of(2).groups());
        assertEquals(1024, Workload.of(32, 1024).groups());
    }

    @Test
    void everyCallerGetsAGroup() {
        assertEquals(32, Workload.of(32, 1024).newCallers().size());
        assertThrows(IllegalArgumentException.class, () -> Workload.of(32, 8));
    }
}
