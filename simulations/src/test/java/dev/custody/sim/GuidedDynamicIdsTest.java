package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The guided driver-core admin writes new_id and remove_id: short runs meet a dynamic id added and
 * removed, and the refusals (a short write, an unregistered driver, an id the driver's table already
 * matches, an id no driver holds), with every invariant checked after each call. They are rare calls,
 * so the runs of seeds 1 to 3 together show it.
 */
class GuidedDynamicIdsTest {

    private static final long OPS = 20000;

    private static final List<Long> SEEDS = List.of(1L, 2L, 3L);

    @Test
    void guidedRunsAddAndRemoveDynamicIdsAndMeetTheirRefusals() {
        Set<String> met =
                GuidedRuns.resultsOf(SEEDS, OPS, Set.of(Command.DriverNewId.class, Command.DriverRemoveId.class));
        List<String> expected = List.of(
                "DriverNewId EEXIST",
                "DriverNewId EINVAL",
                "DriverNewId ENOENT",
                "DriverNewId ok",
                "DriverRemoveId ENODEV",
                "DriverRemoveId ok");
        assertTrue(
                met.containsAll(expected),
                "met " + met + " in " + OPS + " guided calls of each of seeds " + SEEDS + ", not all of " + expected);
    }
}
