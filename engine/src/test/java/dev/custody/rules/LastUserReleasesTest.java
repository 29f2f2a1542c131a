package dev.custody.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.scenario.RefusalsChangeNothing;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A container or an iommufd outlives its fd while something still uses it (a group set to it, a
 * bound device, a device file opened through the compat path) and goes with its last user: the file
 * is released and the domains it made are freed (vfio_container_put, iommufd_fops_release's
 * iommufd_object_destroy_user of every object). The scenario files can only see groups, so these
 * check the files and domains left once every fd is closed: none.
 */
class LastUserReleasesTest {
    private static final String TOPOLOGY = """
            "topology": {"iommus": [{"name": "dmar0"}],
              "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"},
                          {"name": "0000:00:03.1", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"}]}
            """;

    /** Runs the steps (every expectation must hold) and returns the kernel after them. */
    private static KernelState after(String steps) {
        return RefusalsChangeNothing.holds(
                "release.json", "{\"name\": \"release\", " + TOPOLOGY + ", \"steps\": [" + steps + "]}");
    }

    private static void nothingLeft(KernelState state) {
        assertEquals(List.of(), List.copyOf(state.files().values()), "files left open");
        List<DomainState> paging = state.domains().values().stream()
                .filter(d -> d.kind() == DomainKind.PAGING)
                .toList();
        assertEquals(List.of(), paging, "domains left allocated");
    }

    @Test
    void aContainerWithoutGroupsGoesWithItsFd() {
        nothingLeft(after("""
                {"op": "vfio.container.open", "as": "c", "expect": "ok"},
                {"op": "vfio.container.close", "fd": "c", "expect": "ok"}
                """));
    }

    @Test
    void aContainerGoesWithItsLastGroupAndFreesItsDomain() {
        KernelState state = after("""
                {"op": "vfio.container.open", "as": "c", "expect": "ok"},
                {"op": "vfio.group.open", "group": 1, "as": "g", "expect": "ok"},
                {"op": "vfio.group.set_container", "fd": "g", "container": "c", "expect": "ok"},
                {"op": "vfio.container.set_iommu", "fd": "c", "type": "type1v2", "expect": "ok"},
                {"op": "vfio.container.close", "fd": "c", "expect": "ok"}
                """);
        assertEquals(1, state.filesOf(OpenFile.VfioContainer.class).count(), "the group still uses the container");
        nothingLeft(after("""
                {"op": "vfio.container.open", "as": "c", "expect": "ok"},
                {"op": "vfio.group.open", "group": 1, "as": "g", "expect": "ok"},
                {"op": "vfio.group.set_container", "fd": "g", "container": "c", "expect": "ok"},
                {"op": "vfio.container.set_iommu", "fd": "c", "type": "type1v2", "expect": "ok"},
                {"op": "vfio.container.close", "fd": "c", "expect": "ok"},
                {"op": "vfio.group.close", "fd": "g", "expect": "ok",
                 "expectState": {"group": 1, "ownerCnt": 0, "owner": null, "domain": "default"}}
                """));
    }

    @Test
    void anIommufdGoesWithItsLastBoundCdevAndDestroysItsHwpts() {
        String keptByCdev = """
                {"op": "iommufd.open", "as": "X", "expect": "ok"},
                {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I", "expect": "ok"},
                {"op": "cdev.open", "device": "0000:00:03.0", "as": "v", "expect": "ok"},
                {"op": "cdev.bind", "fd": "v", "iommufd": "X", "expect": "ok"},
                {"op": "iommufd.hwpt_alloc", "iommufd": "X", "device": "v", "pt": "I", "as": "H", "expect": "ok"},
                {"op": "iommufd.close", "fd": "X", "expect": "ok"}
                """;
        assertEquals(1, after(keptByCdev).filesOf(OpenFile.IommufdFile.class).count(), "the bound cdev keeps it");
        nothingLeft(after(keptByCdev + """
                , {"op": "cdev.close", "fd": "v", "expect": "ok",
                   "expectState": {"group": 1, "ownerCnt": 0, "owner": null, "domain": "default"}}
                """));
    }

    @Test
    void anIommufdGoesWithTheLastCompatDeviceFile() {
        String open = """
                {"op": "iommufd.open", "as": "X", "expect": "ok"},
                {"op": "vfio.group.open", "group": 1, "as": "g", "expect": "ok"},
                {"op": "vfio.group.set_container", "fd": "g", "container": "X", "expect": "ok"},
                {"op": "vfio.group.get_device_fd", "fd": "g", "device": "0000:00:03.0", "as": "d1", "expect": "ok"},
                {"op": "vfio.group.get_device_fd", "fd": "g", "device": "0000:00:03.0", "as": "d2", "expect": "ok"},
                {"op": "vfio.device.close", "fd": "d1", "expect": "ok",
                 "expectState": {"group": 1, "ownerCnt": 1, "owner": "X"}},
                {"op": "iommufd.close", "fd": "X", "expect": "ok"},
                {"op": "vfio.group.close", "fd": "g", "expect": "ok"}
                """;
        assertEquals(1, after(open).filesOf(OpenFile.IommufdFile.class).count(), "the open device file keeps it");
        nothingLeft(after(open + """
                , {"op": "vfio.device.close", "fd": "d2", "expect": "ok",
                   "expectState": {"group": 1, "ownerCnt": 0, "owner": null, "domain": "default"}}
                """));
    }

    @Test
    void anIommufdGoesWithTheLastGroupSetToIt() {
        String open = """
                {"op": "iommufd.open", "as": "X", "expect": "ok"},
                {"op": "vfio.group.open", "group": 1, "as": "g", "expect": "ok"},
                {"op": "vfio.group.set_container", "fd": "g", "container": "X", "expect": "ok"},
                {"op": "iommufd.close", "fd": "X", "expect": "ok"}
                """;
        assertEquals(1, after(open).filesOf(OpenFile.IommufdFile.class).count(), "the group keeps it");
        nothingLeft(after(open + """
                , {"op": "vfio.group.close", "fd": "g", "expect": "ok"}
                """));
    }

    @Test
    void aBindingToAnotherIommufdKeepsNothingAlive() {
        KernelState state = after("""
                {"op": "iommufd.open", "as": "X", "expect": "ok"},
                {"op": "iommufd.open", "as": "Y", "expect": "ok"},
                {"op": "cdev.open", "device": "0000:00:03.0", "as": "v", "expect": "ok"},
                {"op": "cdev.bind", "fd": "v", "iommufd": "X", "expect": "ok"},
                {"op": "vfio.group.open", "group": 1, "as": "g", "expect": "EBUSY"},
                {"op": "iommufd.close", "fd": "Y", "expect": "ok"}
                """);
        assertEquals(1, state.filesOf(OpenFile.IommufdFile.class).count(), "only the bound one stays");
        KernelState compat = after("""
                {"op": "iommufd.open", "as": "X", "expect": "ok"},
                {"op": "iommufd.open", "as": "Y", "expect": "ok"},
                {"op": "vfio.group.open", "group": 1, "as": "g", "expect": "ok"},
                {"op": "vfio.group.set_container", "fd": "g", "container": "X", "expect": "ok"},
                {"op": "vfio.group.get_device_fd", "fd": "g", "device": "0000:00:03.0", "as": "d", "expect": "ok"},
                {"op": "vfio.group.close", "fd": "g", "expect": "ok"},
                {"op": "iommufd.close", "fd": "Y", "expect": "ok"}
                """);
        assertEquals(1, compat.filesOf(OpenFile.IommufdFile.class).count(), "only the one the device uses stays");
    }

    /** vfio_df_close unbinds a device when its own last file closes, whatever other devices keep open. */
    @Test
    void aDeviceIsUnboundWithItsOwnLastFile() {
        after("""
                {"op": "iommufd.open", "as": "X", "expect": "ok"},
                {"op": "vfio.group.open", "group": 1, "as": "g", "expect": "ok"},
                {"op": "vfio.group.set_container", "fd": "g", "container": "X", "expect": "ok"},
                {"op": "vfio.group.get_device_fd", "fd": "g", "device": "0000:00:03.0", "as": "dA", "expect": "ok"},
                {"op": "vfio.group.get_device_fd", "fd": "g", "device": "0000:00:03.1", "as": "dB", "expect": "ok",
                 "expectState": {"group": 1, "ownerCnt": 2, "owner": "X"}},
                {"op": "vfio.device.close", "fd": "dA", "expect": "ok",
                 "expectState": {"group": 1, "ownerCnt": 1, "owner": "X"}}
                """);
    }

    /** A replace onto another IOAS makes a new automatic HWPT and destroys the old one with its last device. */
    @Test
    void aReplacedAutomaticHwptGoesWithItsLastDevice() {
        after("""
                {"op": "iommufd.open", "as": "X", "expect": "ok"},
                {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I1", "expect": "ok"},
                {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I2", "expect": "ok"},
                {"op": "cdev.open", "device": "0000:00:03.0", "as": "v", "expect": "ok"},
                {"op": "cdev.bind", "fd": "v", "iommufd": "X", "expect": "ok"},
                {"op": "cdev.attach", "fd": "v", "pt": "I1", "as": "H1", "expect": "ok"},
                {"op": "cdev.attach", "fd": "v", "pt": "I2", "as": "H2", "expect": "ok",
                 "expectState": {"group": 1, "ownerCnt": 1, "owner": "X", "domain": "H2"}},
                {"op": "iommufd.destroy", "iommufd": "X", "id": "H1", "expect": "ENOENT"},
                {"op": "iommufd.destroy", "iommufd": "X", "id": "I1", "expect": "ok"},
                {"op": "iommufd.destroy", "iommufd": "X", "id": "I2", "expect": "EBUSY"}
                """);
    }
}
