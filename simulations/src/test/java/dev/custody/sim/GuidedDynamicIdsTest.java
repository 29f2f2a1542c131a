package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
        Set<String> met = new TreeSet<>();
        for (long seed : SEEDS) {
            SimSettings settings = new SimSettings(
                            seed, 32, OPS, Optional.empty(), true, Optional.empty(), "none", Set.of(), 2, 2)
                    .withSchedule(Schedule.GUIDED, SimSettings.DEFAULT_REFUSAL_SHARE);
            SimResult result = new Simulation(settings).run(n -> {}, DecisionObserver.eachCall(call -> {
                if (call.command() instanceof Command.DriverNewId || call.command() instanceof Command.DriverRemoveId) {
                    met.add(call.command().getClass().getSimpleName() + " "
                            + call.outcome().resultName());
                }
            }));
            assertTrue(
                    result.violation().isEmpty(), "the correct rules hold on seed " + seed + ": " + result.violation());
        }
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
