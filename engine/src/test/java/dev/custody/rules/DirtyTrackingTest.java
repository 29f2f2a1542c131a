package dev.custody.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.state.KernelState;
import dev.custody.scenario.RefusalsChangeNothing;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * IOMMU_HWPT_SET_DIRTY_TRACKING and IOMMU_HWPT_GET_DIRTY_BITMAP: each refusal names the errno 6.12
 * gives, in the kernel's order, and changes nothing ({@link RefusalsChangeNothing}); a HWPT of the
 * model never has dirty_ops, so what passes every check is EOPNOTSUPP.
 */
class DirtyTrackingTest {

    private static final String TOPOLOGY = """
            "topology": {"iommus": [{"name": "dmar0"}],
              "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"}]}
            """;

    /** An iommufd X with an IOAS I (id 1), a bound cdev c (devid 2) and a HWPT H (id 3) on I. */
    private static final String SETUP = """
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I", "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:00:03.0", "as": "c", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "c", "iommufd": "X", "expect": "ok"},
                   {"op": "iommufd.hwpt_alloc", "iommufd": "X", "device": "c", "pt": "I", "as": "H", "expect": "ok"},
            """;

    @Test
    void setChecksTheFlagsThenThePagingHwptAndNeverTheReservedWord() {
        KernelState before = RefusalsChangeNothing.holds("setup.json", """
                {"name": "setup", %s, "steps": [%s
                   {"op": "iommufd.iova_ranges", "ioas": "I", "expect": "ok"}]}
                """.formatted(TOPOLOGY, SETUP));
        KernelState after = RefusalsChangeNothing.holds("set.json", """
                {"name": "set", %s, "steps": [%s
                   {"op": "iommufd.hwpt_set_dirty_tracking", "iommufd": "X", "hwpt": 99, "flags": "0x3",
                    "reserved": "0x1", "expect": "EOPNOTSUPP"},
                   {"op": "iommufd.hwpt_set_dirty_tracking", "iommufd": "X", "hwpt": 99, "flags": ["ENABLE"],
                    "reserved": "0x1", "expect": "ENOENT"},
                   {"op": "iommufd.hwpt_set_dirty_tracking", "iommufd": "X", "hwpt": "I", "expect": "ENOENT"},
                   {"op": "iommufd.hwpt_set_dirty_tracking", "iommufd": "X", "hwpt": "c", "expect": "ENOENT"},
                   {"op": "iommufd.hwpt_set_dirty_tracking", "iommufd": "X", "hwpt": 3, "flags": ["ENABLE"],
                    "reserved": "0xffffffff", "expect": "EOPNOTSUPP"},
                   {"op": "iommufd.hwpt_set_dirty_tracking", "iommufd": "X", "hwpt": "H", "expect": "EOPNOTSUPP"},
                   {"op": "iommufd.hwpt_set_dirty_tracking", "iommufd": "c", "hwpt": "H", "expect": "ENOTTY"},
                   {"op": "iommufd.iova_ranges", "ioas": "I", "expect": "ok"}]}
                """.formatted(TOPOLOGY, SETUP));
        assertEquals(before.files(), after.files(), "tracking on or off is refused, so no file changed");
    }

    @Test
    void getChecksFlagsAndReservedThenTheHwptThenTheRangeThenTheDomain() {
        RefusalsChangeNothing.holds("get.json", """
                {"name": "get", %s, "steps": [%s
                   {"op": "iommufd.hwpt_get_dirty_bitmap", "iommufd": "X", "hwpt": 99, "iova": "0x1", "length": "0x0",
                    "reserved": "0x1", "expect": "EOPNOTSUPP"},
                   {"op": "iommufd.hwpt_get_dirty_bitmap", "iommufd": "X", "hwpt": 99, "iova": "0x1", "length": "0x0",
                    "flags": "0x2", "expect": "EOPNOTSUPP"},
                   {"op": "iommufd.hwpt_get_dirty_bitmap", "iommufd": "X", "hwpt": "I", "iova": "0x1", "length": "0x0",
                    "flags": ["NO_CLEAR"], "expect": "ENOENT"},
                   {"op": "iommufd.hwpt_get_dirty_bitmap", "iommufd": "X", "hwpt": "H", "iova": "0x1", "length": "0x0",
                    "expect": "EINVAL"},
                   {"op": "iommufd.hwpt_get_dirty_bitmap", "iommufd": "X", "hwpt": "H", "iova": "0xfffffffffffff001",
                    "length": "0x2000", "page_size": "0x0", "expect": "EOVERFLOW"},
                   {"op": "iommufd.hwpt_get_dirty_bitmap", "iommufd": "X", "hwpt": "H", "iova": "0x800",
                    "length": "0x800", "page_size": "0x800", "expect": "EINVAL"},
                   {"op": "iommufd.hwpt_get_dirty_bitmap", "iommufd": "X", "hwpt": "H", "iova": "0x1000",
                    "length": "0xfffffffffffff000", "page_size": "0x1000", "expect": "EOPNOTSUPP"},
                   {"op": "iommufd.hwpt_get_dirty_bitmap", "iommufd": "X", "hwpt": "H", "iova": "0x10000",
                    "length": "0x4000", "flags": ["NO_CLEAR"], "expect": "EOPNOTSUPP"}]}
                """.formatted(TOPOLOGY, SETUP));
    }

    @Test
    void theRangeIsCheckedInTheKernelsOrder() {
        long page = 0x1000;
        // an empty range before an overflowing one, an overflow before the alignment
        assertRefused(Errno.EINVAL, DirtyTrackingRules.checkRange(page, -0x1000L, 0, 0));
        assertRefused(Errno.EOVERFLOW, DirtyTrackingRules.checkRange(page, -0xfffL, 0x2000, 0));
        assertRefused(Errno.EOVERFLOW, DirtyTrackingRules.checkRange(page, 0x2000, -1L, page));
        // the IOAS's alignment before the page size, which is checked for 0 before it is used
        assertRefused(Errno.EINVAL, DirtyTrackingRules.checkRange(page, 0x800, 0x800, 0x800));
        assertRefused(Errno.EINVAL, DirtyTrackingRules.checkRange(page, 0x1000, 0x1000, 0));
        assertRefused(Errno.EINVAL, DirtyTrackingRules.checkRange(page, 0x1000, 0x1000, 0x2000));
        assertRefused(Errno.EINVAL, DirtyTrackingRules.checkRange(page, 0x2000, 0x3000, 0x2000));
        // a range ending at 2^64 ends on every alignment; a page size is a mask, not a power of two
        assertTrue(DirtyTrackingRules.checkRange(page, -0x2000L, 0x2000, page).isEmpty());
        assertTrue(DirtyTrackingRules.checkRange(page, 0x10000, 0x4000, 0x1800).isEmpty());
        assertRefused(Errno.EINVAL, DirtyTrackingRules.checkRange(page, 0x11000, 0x3000, 0x1800));
        assertRefused(Errno.EINVAL, DirtyTrackingRules.checkRange(page, 0, -1L, page));
        // an IOAS without domains aligns to 1: a byte-aligned range with a byte page size passes
        assertTrue(DirtyTrackingRules.checkRange(1, 0x123, 0x5, 1).isEmpty());
    }

    private static void assertRefused(Errno errno, Optional<Outcome<Reply>> refusal) {
        assertTrue(refusal.isPresent(), "expected " + errno);
        assertEquals(errno, ((Outcome.Failed<Reply>) refusal.get()).errno());
    }
}
