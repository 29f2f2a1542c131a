package dev.custody.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When an entity that cannot recover counts as stuck, and when it is tried again: no actors, the time given. */
class EntityHealthTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final EntityId DEVICE = EntityId.of(new DeviceId("0000:00:03.0"));
    private static final EntityId GROUP = EntityId.of(new GroupId(1));

    private final EntityHealth health = new EntityHealth("e", EntityHealth.FIRST_PROBE_AFTER);

    @Test
    void anEntityIsStuckAfterThreeFailedRecoveriesInARow() {
        assertEquals(EntityHealth.Verdict.RETRYING, health.recoveryFailed(DEVICE, "torn", T0));
        assertEquals(EntityHealth.Verdict.RETRYING, health.recoveryFailed(DEVICE, "torn", T0));
        assertFalse(health.anyStuck(), "two failures are retried unseen");
        assertTrue(health.admits(DEVICE, T0));
        assertEquals(EntityHealth.Verdict.STUCK_NOW, health.recoveryFailed(DEVICE, "row 4 torn", T0));
        assertTrue(health.anyStuck());
        assertEquals(List.of(new StuckEntity("e", "e|device|0000:00:03.0", "row 4 torn", 3, T0)), health.stuck());
        assertTrue(health.stuck().getFirst().describe().contains("e|device|0000:00:03.0 is stuck"));
        assertTrue(health.admits(GROUP, T0), "other entities are sent their decisions");
        assertTrue(
                health.whyNotQuiet().contains("e|device|0000:00:03.0 is stuck")
                        && health.whyNotQuiet().contains("row 4 torn"),
                health.whyNotQuiet());
        assertTrue(health.whyHeld(10_000).contains("e|device|0000:00:03.0 is stuck"), health.whyHeld(10_000));
    }

    @Test
    void aStuckEntityIsProbedAfterWaitsThatDoubleUpToABound() {
        for (int n = 0; n < EntityHealth.FAILED_RECOVERIES_BEFORE_STUCK; n++) {
            health.recoveryFailed(DEVICE, "torn", T0);
        }
        Duration first = EntityHealth.FIRST_PROBE_AFTER;
        assertFalse(health.admits(DEVICE, T0.plus(first).minusMillis(1)), "nothing is sent before the probe");
        Instant probe = T0.plus(first);
        assertTrue(health.admits(DEVICE, probe), "the probe");
        assertFalse(health.admits(DEVICE, probe), "one probe, not one per batch");
        assertEquals(EntityHealth.Verdict.STILL_STUCK, health.recoveryFailed(DEVICE, "torn", probe));
        assertFalse(health.admits(DEVICE, probe.plus(first.multipliedBy(2)).minusMillis(1)));
        assertTrue(health.admits(DEVICE, probe.plus(first.multipliedBy(2))), "the next probe waits twice as long");
        Instant late = T0.plus(Duration.ofDays(1));
        for (int n = 0; n < 20; n++) {
            assertTrue(health.admits(DEVICE, late));
            late = late.plus(EntityHealth.LONGEST_PROBE_WAIT);
        }
        assertEquals(4, health.stuck().getFirst().failedRecoveries());
    }

    @Test
    void aRecoveryEndsIt() {
        health.recoveryFailed(DEVICE, "no answer", T0);
        health.recoveryFailed(DEVICE, "no answer", T0);
        assertFalse(health.recovered(DEVICE), "not stuck yet: nothing to report");
        health.recoveryFailed(DEVICE, "no answer", T0);
        health.recoveryFailed(DEVICE, "no answer", T0);
        assertFalse(health.anyStuck(), "the count starts again after a recovery");
        health.recoveryFailed(DEVICE, "no answer", T0);
        assertTrue(health.anyStuck());
        assertTrue(health.recovered(DEVICE));
        assertFalse(health.anyStuck());
        assertEquals(List.of(), health.stuck());
        assertTrue(health.admits(DEVICE, T0));
    }
}
