package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import java.util.List;
import java.util.Set;
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
        Set<String> met = GuidedRuns.resultsOf(
                SEEDS, OPS, Set.of(Command.HwptSetDirtyTracking.class, Command.HwptGetDirtyBitmap.class));
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
