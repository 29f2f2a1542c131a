package dev.custody.rules;

import dev.custody.scenario.RefusalsChangeNothing;
import org.junit.jupiter.api.Test;

/**
 * Refusals that come after the rules have already changed something: an automatic HWPT made for an
 * attach, a device's reserved regions moved, a bind through the compat IOAS. The kernel unwinds each
 * (iommufd_device_do_attach's error paths, vfio_df_iommufd_bind's unbind), so the refused call must
 * leave the kernel exactly as it was: {@link RefusalsChangeNothing} compares the whole state. Each
 * test reaches a {@code tx.rollback} that no corpus scenario reached with something to undo (they
 * were surviving PIT mutants, docs/BENCHMARKS.md, Mutation score).
 */
class RefusalsRollBackTest {

    private static void holds(String json) {
        RefusalsChangeNothing.holds("rollback.json", json);
    }

    /**
     * A second device of a group attaching to another IOAS: the automatic HWPT made for it is
     * destroyed again, and the group stays on the first one (EINVAL).
     */
    @Test
    void aGroupSiblingOnAnotherIoasLeavesNoAutomaticHwpt() {
        holds("""
                {"name": "sibling-other-ioas",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"},
                               {"name": "0000:00:03.1", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"}]},
                 "steps": [
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I1", "expect": "ok"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I2", "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:00:03.0", "as": "cA", "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:00:03.1", "as": "cB", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "cA", "iommufd": "X", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "cB", "iommufd": "X", "expect": "ok"},
                   {"op": "cdev.attach", "fd": "cA", "pt": "I1", "as": "H1", "expect": "ok",
                    "expectState": {"group": 1, "ownerCnt": 2, "owner": "X", "domain": "H1"}},
                   {"op": "cdev.attach", "fd": "cB", "pt": "I2", "as": "H2", "expect": "EINVAL",
                    "expectState": {"group": 1, "ownerCnt": 2, "owner": "X", "domain": "H1"}},
                   {"op": "iommufd.destroy", "iommufd": "X", "id": "I2", "expect": "ok"}
                 ]}
                """);
    }

    /**
     * A HWPT of one IOMMU instance attached by a device of another: the group attach refuses it
     * (EINVAL) after the device's MSI window was reserved in the IOAS, and the reservation goes.
     */
    @Test
    void aHwptOfAnotherIommuIsRefusedWithoutReservingTheDevice() {
        holds("""
                {"name": "hwpt-other-iommu",
                 "topology": {"iommus": [{"name": "dmar0"}, {"name": "dmar1"}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"},
                               {"name": "0000:00:05.0", "iommu": "dmar1", "group": 2, "driver": "vfio-pci"}]},
                 "steps": [
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I", "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:00:03.0", "as": "cA", "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:00:05.0", "as": "cB", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "cA", "iommufd": "X", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "cB", "iommufd": "X", "expect": "ok"},
                   {"op": "iommufd.hwpt_alloc", "iommufd": "X", "device": "cB", "pt": "I", "as": "H1", "expect": "ok"},
                   {"op": "cdev.attach", "fd": "cA", "pt": "H1", "expect": "EINVAL",
                    "expectState": {"group": 1, "ownerCnt": 1, "owner": "X", "domain": "blocking"}},
                   {"op": "iommufd.ioas_map", "ioas": "I", "iova": "0xfee00000", "length": "0x1000",
                    "flags": ["READABLE", "WRITEABLE", "FIXED_IOVA"], "expect": "ok"}
                 ]}
                """);
    }

    /**
     * Replacing a device's HWPT with one of another IOMMU instance (EINVAL): the device stays on its
     * HWPT, its reserved regions stay where they were.
     */
    @Test
    void aReplaceOntoAnotherIommusHwptChangesNothing() {
        holds("""
                {"name": "replace-other-iommu-hwpt",
                 "topology": {"iommus": [{"name": "dmar0"}, {"name": "dmar1"}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"},
                               {"name": "0000:00:05.0", "iommu": "dmar1", "group": 2, "driver": "vfio-pci"}]},
                 "steps": [
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I1", "expect": "ok"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I2", "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:00:03.0", "as": "cA", "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:00:05.0", "as": "cB", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "cA", "iommufd": "X", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "cB", "iommufd": "X", "expect": "ok"},
                   {"op": "cdev.attach", "fd": "cA", "pt": "I1", "as": "H1", "expect": "ok"},
                   {"op": "iommufd.hwpt_alloc", "iommufd": "X", "device": "cB", "pt": "I2", "as": "H2", "expect": "ok"},
                   {"op": "cdev.attach", "fd": "cA", "pt": "H2", "expect": "EINVAL",
                    "expectState": {"group": 1, "ownerCnt": 1, "owner": "X", "domain": "H1"}},
                   {"op": "iommufd.ioas_map", "ioas": "I2", "iova": "0xfee00000", "length": "0x1000",
                    "flags": ["READABLE", "WRITEABLE", "FIXED_IOVA"], "expect": "ok"}
                 ]}
                """);
    }

    /**
     * VFIO_GROUP_GET_DEVICE_FD through the iommufd compat container binds the device and attaches it
     * to the compat IOAS; a mapping over the MSI window refuses the attach (EADDRINUSE) and the bind
     * is undone: the group keeps no owner and no device file is open.
     */
    @Test
    void aCompatDeviceOpenRefusedByTheMsiWindowUnbinds() {
        holds("""
                {"name": "compat-open-msi-window",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"}]},
                 "steps": [
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "vfio.group.open", "group": 1, "as": "g1", "expect": "ok"},
                   {"op": "vfio.group.set_container", "fd": "g1", "container": "X", "expect": "ok"},
                   {"op": "vfio.container.set_iommu", "fd": "X", "type": "type1v2", "expect": "ok"},
                   {"op": "vfio.map_dma", "container": "X", "iova": "0xfee00000", "vaddr": "0x7f0000000000",
                    "size": "0x1000", "flags": ["READ", "WRITE"], "expect": "ok"},
                   {"op": "vfio.group.get_device_fd", "fd": "g1", "device": "0000:00:03.0", "as": "d",
                    "expect": "EADDRINUSE",
                    "expectState": {"group": 1, "ownerCnt": 0, "owner": null, "domain": "default"}}
                 ]}
                """);
    }
}
