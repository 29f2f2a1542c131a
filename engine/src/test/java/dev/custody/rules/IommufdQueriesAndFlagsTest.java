package dev.custody.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.HwptAllocFlag;
import dev.custody.scenario.RefusalsChangeNothing;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * IOMMU_HWPT_ALLOC flags, IOMMU_GET_HW_INFO and IOMMU_IOAS_COPY refusals: each refusal names its
 * errno and changes nothing ({@link RefusalsChangeNothing}), the way the 6.12 oracle saw them.
 */
class IommufdQueriesAndFlagsTest {

    @Test
    void noFlagIsTheOnlyFlagSetAPagingHwptOnEmulatedVtdTakes() {
        assertTrue(HwptAllocFlags.refusal(Set.of()).isEmpty());
        for (HwptAllocFlag flag : HwptAllocFlag.values()) {
            assertTrue(HwptAllocFlags.refusal(EnumSet.of(flag)).isPresent(), flag + " is refused");
        }
        assertTrue(HwptAllocFlags.refusal(EnumSet.of(HwptAllocFlag.NEST_PARENT, HwptAllocFlag.DIRTY_TRACKING))
                .orElseThrow()
                .contains("dirty tracking"));
    }

    @Test
    void refusedFlagsAllocateNothing() {
        RefusalsChangeNothing.holds("hwpt-flags.json", """
                {"name": "hwpt-flags",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"}]},
                 "steps": [
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I", "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:00:03.0", "as": "c", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "c", "iommufd": "X", "expect": "ok"},
                   {"op": "iommufd.hwpt_alloc", "iommufd": "X", "device": "c", "pt": "I",
                    "flags": ["DIRTY_TRACKING"], "as": "D", "expect": "EOPNOTSUPP"},
                   {"op": "iommufd.hwpt_alloc", "iommufd": "X", "device": "I", "pt": "I",
                    "flags": ["NEST_PARENT"], "as": "N", "expect": "ENOENT"},
                   {"op": "iommufd.hwpt_alloc", "iommufd": "X", "device": "c", "pt": "I", "as": "H", "expect": "ok"}
                 ]}
                """);
    }

    @Test
    void hwInfoAnswersTheVtdTypeForADeviceAndRefusesEverythingElse() {
        RefusalsChangeNothing.holds("hw-info.json", """
                {"name": "hw-info",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"}]},
                 "steps": [
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I", "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:00:03.0", "as": "c", "expect": "ok"},
                   {"op": "iommufd.get_hw_info", "iommufd": "X", "device": "c", "expect": "ENOENT"},
                   {"op": "cdev.bind", "fd": "c", "iommufd": "X", "expect": "ok"},
                   {"op": "iommufd.get_hw_info", "iommufd": "X", "device": "c", "data_len": "4", "expect": "ok",
                    "expectValue": {"out_data_type": 1, "data_len": 24, "out_capabilities": 0}},
                   {"op": "iommufd.get_hw_info", "iommufd": "X", "device": "c", "flags": "0x2", "expect": "EOPNOTSUPP"},
                   {"op": "iommufd.get_hw_info", "iommufd": "X", "device": "I", "reserved": "0x200",
                    "expect": "EOPNOTSUPP"},
                   {"op": "iommufd.get_hw_info", "iommufd": "X", "device": "c", "reserved": "0x7", "expect": "ok"},
                   {"op": "iommufd.get_hw_info", "iommufd": "X", "device": "I", "expect": "ENOENT"},
                   {"op": "iommufd.get_hw_info", "iommufd": "c", "device": "c", "expect": "ENOTTY"}
                 ]}
                """);
        assertEquals(1, HwInfoRules.TYPE_INTEL_VTD);
    }

    @Test
    void aRefusedCopyLeavesBothAddressSpacesAndTheDomainAsTheyWere() {
        RefusalsChangeNothing.holds("copy.json", """
                {"name": "copy",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"}]},
                 "steps": [
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "A", "expect": "ok"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "B", "expect": "ok"},
                   {"op": "iommufd.ioas_map", "ioas": "A", "iova": "0x10000", "length": "0x1000",
                    "flags": ["READABLE", "WRITEABLE", "FIXED_IOVA"], "expect": "ok"},
                   {"op": "iommufd.ioas_map", "ioas": "A", "iova": "0x11000", "length": "0x1000",
                    "flags": ["READABLE", "FIXED_IOVA"], "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:00:03.0", "as": "c", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "c", "iommufd": "X", "expect": "ok"},
                   {"op": "cdev.attach", "fd": "c", "pt": "B", "as": "H", "expect": "ok"},
                   {"op": "iommufd.ioas_copy", "src": "A", "src_iova": "0x10000", "dst": "B", "dst_iova": "0x100000",
                    "length": "0x2000", "flags": ["READABLE", "WRITEABLE", "FIXED_IOVA"], "expect": "EPERM"},
                   {"op": "iommufd.ioas_copy", "src": "A", "src_iova": "0x10000", "dst": "B", "dst_iova": "0xfee00000",
                    "length": "0x1000", "flags": ["READABLE", "FIXED_IOVA"], "expect": "EINVAL"},
                   {"op": "iommufd.ioas_copy", "src": "A", "src_iova": "0x10000", "dst": "H", "dst_iova": "0x100000",
                    "length": "0x1000", "flags": ["READABLE", "FIXED_IOVA"], "expect": "ENOENT"},
                   {"op": "iommufd.ioas_copy", "src": "A", "src_iova": "0x10000", "dst": "B", "dst_iova": "0x100000",
                    "length": "0x2000", "flags": ["READABLE", "FIXED_IOVA"], "expect": "ok", "expectValue": {"iova": 1048576}},
                   {"op": "iommufd.ioas_unmap", "ioas": "B", "iova": "0x100000", "length": "0x1000", "expect": "ok",
                    "expectValue": {"length": 4096}}
                 ]}
                """);
    }
}
