package dev.custody.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.ObjectId;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.scenario.RefusalsChangeNothing;
import org.junit.jupiter.api.Test;

/**
 * IOMMU_OPTION: each refusal names the errno 6.12 gives, in the kernel's order, and changes nothing
 * ({@link RefusalsChangeNothing}): a refused HUGE_PAGES 0 leaves large pages on and the alignment as
 * it was, a refused RLIMIT_MODE leaves the mode.
 */
class IommuOptionTest {

    private static final String TOPOLOGY = """
            "topology": {"iommus": [{"name": "dmar0"}],
              "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"}]}
            """;

    @Test
    void rlimitModeChecksReservedOptionObjectOpCapabilityObjectsThenValue() {
        KernelState after = RefusalsChangeNothing.holds("rlimit.json", """
                {"name": "rlimit", %s,
                 "steps": [
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "iommufd.option", "iommufd": "X", "option": 9, "option_op": "GET", "reserved": "0x1",
                    "expect": "EOPNOTSUPP"},
                   {"op": "iommufd.option", "iommufd": "X", "option": "RLIMIT_MODE", "option_op": 7, "object": 3,
                    "expect": "EOPNOTSUPP"},
                   {"op": "iommufd.option", "iommufd": "X", "option": "RLIMIT_MODE", "option_op": "SET", "val64": "0x5",
                    "caps": ["SYS_ADMIN"], "expect": "EPERM"},
                   {"op": "iommufd.option", "iommufd": "X", "option": "RLIMIT_MODE", "option_op": "SET", "val64": "0x5",
                    "expect": "EINVAL"},
                   {"op": "iommufd.option", "iommufd": "X", "option": "RLIMIT_MODE", "option_op": "SET", "val64": "0x1",
                    "caps": ["SYS_RESOURCE"], "expect": "ok", "expectValue": {"val64": 1}},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I", "expect": "ok"},
                   {"op": "iommufd.option", "iommufd": "X", "option": "RLIMIT_MODE", "option_op": "SET", "val64": "0x5",
                    "expect": "EBUSY"},
                   {"op": "iommufd.option", "iommufd": "X", "option": "RLIMIT_MODE", "option_op": "GET",
                    "expect": "ok", "expectValue": {"val64": 1}}
                 ]}
                """.formatted(TOPOLOGY));
        OpenFile.IommufdFile file = after.files().values().stream()
                .filter(f -> f instanceof OpenFile.IommufdFile)
                .map(f -> (OpenFile.IommufdFile) f)
                .findFirst()
                .orElseThrow();
        assertTrue(file.accountPerProcess());
    }

    @Test
    void refusedHugePagesLeaveTheFlagAndTheAlignment() {
        KernelState after = RefusalsChangeNothing.holds("huge.json", """
                {"name": "huge", %s,
                 "steps": [
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "A", "expect": "ok"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "B", "expect": "ok"},
                   {"op": "iommufd.ioas_map", "ioas": "A", "iova": "0x10000", "length": "0x1000",
                    "flags": ["READABLE", "FIXED_IOVA"], "expect": "ok"},
                   {"op": "iommufd.ioas_copy", "src": "A", "src_iova": "0x10800", "dst": "B", "dst_iova": "0x20800",
                    "length": "0x800", "flags": ["READABLE", "FIXED_IOVA"], "expect": "ok"},
                   {"op": "iommufd.option", "iommufd": "X", "option": "HUGE_PAGES", "option_op": "SET", "object": "B",
                    "expect": "EADDRINUSE"},
                   {"op": "iommufd.option", "iommufd": "X", "option": "HUGE_PAGES", "option_op": 7, "object": "X",
                    "expect": "ENOENT"},
                   {"op": "iommufd.option", "iommufd": "X", "option": "HUGE_PAGES", "option_op": 7, "object": "A",
                    "expect": "EOPNOTSUPP"},
                   {"op": "cdev.open", "device": "0000:00:03.0", "as": "c", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "c", "iommufd": "X", "expect": "ok"},
                   {"op": "iommufd.hwpt_alloc", "iommufd": "X", "device": "c", "pt": "A", "as": "H", "expect": "ok"},
                   {"op": "iommufd.option", "iommufd": "X", "option": "HUGE_PAGES", "option_op": "SET", "object": "A",
                    "expect": "EINVAL"},
                   {"op": "iommufd.option", "iommufd": "X", "option": "HUGE_PAGES", "option_op": "SET", "object": "A",
                    "val64": "0x3", "expect": "EINVAL"},
                   {"op": "iommufd.destroy", "iommufd": "X", "id": "H", "expect": "ok"},
                   {"op": "iommufd.option", "iommufd": "X", "option": "HUGE_PAGES", "option_op": "SET", "object": "A",
                    "expect": "ok", "expectValue": {"val64": 0}},
                   {"op": "iommufd.hwpt_alloc", "iommufd": "X", "device": "c", "pt": "A", "as": "H2", "expect": "ok"},
                   {"op": "iommufd.destroy", "iommufd": "X", "id": "H2", "expect": "ok"},
                   {"op": "iommufd.iova_ranges", "ioas": "A", "expect": "ok",
                    "expectValue": {"ranges": [[0, 18446744073709551615]], "alignment": 4096}}
                 ]}
                """.formatted(TOPOLOGY));
        OpenFile.IommufdFile file = after.files().values().stream()
                .filter(f -> f instanceof OpenFile.IommufdFile)
                .map(f -> (OpenFile.IommufdFile) f)
                .findFirst()
                .orElseThrow();
        IommufdObject.Ioas a = (IommufdObject.Ioas) file.objects().get(new ObjectId(1));
        IommufdObject.Ioas b = (IommufdObject.Ioas) file.objects().get(new ObjectId(2));
        assertTrue(a.largePagesDisabled(), "A gave up large pages");
        assertEquals(4096, a.space().iovaAlignment(), "a domain leaving keeps PAGE_SIZE while they are off");
        assertFalse(b.largePagesDisabled(), "the refused B keeps them");
        assertEquals(1, b.space().iovaAlignment());
    }
}
