package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The guided iommufd VMM tries dirty tracking, and on the modelled host (no HWPT can track dirty
 * pages) none of its calls is accepted, while short runs meet the answers that matter: a HWPT without
 * dirty_ops (EOPNOTSUPP) for both calls, an id that is no paging HWPT (ENOENT), a range GET refuses
 * (EINVAL); and no invariant breaks. They are rare calls, a handful a run, so it is the runs of seeds
 * 1 to 3 together that show it (the other refusals are the oracle's scenarios').
 */
class GuidedDirtyTrackingTest {

    private static final long OPS = 20000;

    private static final List<Long> SEEDS = List.of(1L, 2L, 3L);

    @Test
    void guidedRunsMeetTheRefusalsOfDirtyTrackingAndNoAcceptance() {
        Set<String> met = new TreeSet<>();
        for (long seed : SEEDS) {
            SimSettings settings = new SimSettings(
                            seed, 32, OPS, Optional.empty(), true, Optional.empty(), "none", Set.of(), 2, 2)
                    .withSchedule(Schedule.GUIDED, SimSettings.DEFAULT_REFUSAL_SHARE);
            SimResult result = new Simulation(settings).run(n -> {}, DecisionObserver.eachCall(call -> {
                if (call.command() instanceof Command.HwptSetDirtyTracking
                        || call.command() instanceof Command.HwptGetDirtyBitmap) {
                    met.add(call.command().getClass().getSimpleName() + " "
                            + call.outcome().resultName());
                }
            }));
            assertTrue(
                    result.violation().isEmpty(), "the correct rules hold on seed " + seed + ": " + result.violation());
        }
        List<String> expected = List.of(
                "HwptGetDirtyBitmap EINVAL",
                "HwptGetDirtyBitmap ENOENT",
                "HwptGetDirtyBitmap EOPNOTSUPP",
                "HwptSetDirtyTracking ENOENT",
                "HwptSetDirtyTracking EOPNOTSUPP");
        assertTrue(
                met.containsAll(expected),
                "met " + met + " in " + OPS + " guided calls of each of seeds " + SEEDS + ", not all of " + expected);
        assertTrue(
                met.stream().noneMatch(m -> m.endsWith(" ok")),
                "no HWPT of the modelled host tracks dirty pages: " + met);
    }
}
