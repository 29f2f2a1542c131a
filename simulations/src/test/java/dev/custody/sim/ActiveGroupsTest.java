package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Topology;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The agents can work on the first groups of a larger host: the smaller machine of a seed is the
 * larger one's first groups, device for device, and the groups beyond them stay untouched.
 */
class ActiveGroupsTest {

    @Test
    void aSmallerMachineIsTheLargerOnesFirstGroups() {
        Topology small = SimTopology.generate(11, 32);
        Topology large = SimTopology.generate(11, 4096);
        assertEquals(
                List.copyOf(small.devices().values()),
                large.devices().values().stream().limit(small.devices().size()).toList());
    }

    @Test
    void groupsBeyondTheActiveOnesStayIdle() {
        SimSettings settings = new SimSettings(
                5,
                256,
                3_000,
                Optional.empty(),
                true,
                Optional.empty(),
                "none",
                Set.of(),
                2,
                2,
                CheckMode.INCREMENTAL,
                8);
        SimResult result = new Simulation(settings).run(n -> {});
        assertEquals(Optional.empty(), result.violation().map(SimResult.Failure::violations));
        List<SimResult.OwnershipPoint> changes =
                result.timeline().stream().filter(p -> p.step() > 0).toList();
        assertTrue(!changes.isEmpty(), "the run changed no group's ownership");
        assertTrue(changes.stream().allMatch(p -> p.group() <= 8), "a group beyond the first 8 changed: " + changes);
    }

    @Test
    void moreActiveGroupsThanTheHostHasAreRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new SimSettings(
                        5,
                        16,
                        10,
                        Optional.empty(),
                        true,
                        Optional.empty(),
                        "none",
                        Set.of(),
                        2,
                        2,
                        CheckMode.FULL,
                        17));
    }
}
