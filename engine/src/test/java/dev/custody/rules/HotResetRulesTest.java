package dev.custody.rules;

import dev.custody.scenario.RefusalsChangeNothing;
import org.junit.jupiter.api.Test;

/**
 * The hot reset rules where the oracle's q35 guest cannot go: a topology that names no buses, two
 * groups under one bus reset (QEMU's endpoints have no ACS, so their functions share a group), and
 * a bridge among the devices a reset reaches. The corpus scenarios vfio-hot-reset-group-fds.json and
 * vfio-hot-reset-iommufd.json cover what the guest can be, checked against the kernel.
 */
class HotResetRulesTest {

    private static void holds(String json) {
        RefusalsChangeNothing.holds("hot-reset.json", json);
    }

    private static final String ROOT_PORT = """
            {"address": "0000:00:02.0", "vendor": "0x1b36", "device": "0x000c", "class": "0x060400",
             "express": "root-port", "acs": {"supported": ["SV", "TB", "RR", "CR", "UF"]},
             "bridge": {"secondary": "0x01"}, "driver": "pcieport"}""";

    /** The devices form says nothing of buses: no device has a bus or slot reset. */
    @Test
    void aTopologyWithoutBusesHasNoReset() {
        holds("""
                {"name": "devices-form-no-reset",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:01:00.0", "iommu": "dmar0", "group": 1}]},
                 "steps": [
                   {"op": "driver.bind", "device": "0000:01:00.0", "driver": "vfio-pci", "expect": "ok"},
                   {"op": "vfio.container.open", "as": "c", "expect": "ok"},
                   {"op": "vfio.group.open", "group": 1, "as": "g", "expect": "ok"},
                   {"op": "vfio.group.set_container", "fd": "g", "container": "c", "expect": "ok"},
                   {"op": "vfio.container.set_iommu", "fd": "c", "type": "type1v2", "expect": "ok"},
                   {"op": "vfio.group.get_device_fd", "fd": "g", "device": "0000:01:00.0", "as": "d", "expect": "ok"},
                   {"op": "vfio.device.hot_reset_info", "fd": "d", "expect": "ENODEV"},
                   {"op": "vfio.device.hot_reset", "fd": "d", "groups": ["g"], "expect": "ENODEV"},
                   {"op": "vfio.device.hot_reset", "fd": "d", "groups": ["g"], "flags": 1, "expect": "EINVAL"}
                 ]}
                """);
    }

    /**
     * Two functions with ACS behind one root port are two groups under one bus reset: each path
     * must prove both. On the cdev path the unopened function's group is owned only once the
     * iommufd holds a device of it; until then its devid is -1 and DEV_ID_OWNED is off.
     */
    @Test
    void aResetOfTwoGroupsNeedsBoth() {
        holds("""
                {"name": "two-groups-one-bus",
                 "topology": {"iommus": [{"name": "dmar0"}], "pci": {"functions": [
                   {"address": "0000:00:00.0", "vendor": "0x8086", "device": "0x29c0", "class": "0x060000"},
                   %s,
                   {"address": "0000:01:00.0", "vendor": "0x8086", "device": "0x10d3", "class": "0x020000",
                    "express": "endpoint", "multifunction": true, "acs": {"supported": ["SV", "RR", "CR", "UF"]}},
                   {"address": "0000:01:00.1", "vendor": "0x8086", "device": "0x10d3", "class": "0x020000",
                    "express": "endpoint", "multifunction": true, "acs": {"supported": ["SV", "RR", "CR", "UF"]}}]}},
                 "steps": [
                   {"op": "driver.bind", "device": "0000:01:00.0", "driver": "vfio-pci", "expect": "ok"},
                   {"op": "driver.bind", "device": "0000:01:00.1", "driver": "vfio-pci", "expect": "ok"},
                   {"op": "vfio.container.open", "as": "c", "expect": "ok"},
                   {"op": "vfio.group.open", "group": 2, "as": "g2", "expect": "ok"},
                   {"op": "vfio.group.set_container", "fd": "g2", "container": "c", "expect": "ok"},
                   {"op": "vfio.container.set_iommu", "fd": "c", "type": "type1v2", "expect": "ok"},
                   {"op": "vfio.group.get_device_fd", "fd": "g2", "device": "0000:01:00.0", "as": "d", "expect": "ok"},
                   {"op": "vfio.device.hot_reset_info", "fd": "d", "expect": "ok",
                    "expectValue": {"count": 2, "flags": [], "groups": 2, "devids": []}},
                   {"op": "vfio.device.hot_reset", "fd": "d", "groups": ["g2"], "expect": "EINVAL"},
                   {"op": "vfio.group.open", "group": 3, "as": "g3", "expect": "ok"},
                   {"op": "vfio.device.hot_reset", "fd": "d", "groups": ["g2", "g3"], "expect": "ok"},
                   {"op": "vfio.device.close", "fd": "d", "expect": "ok"},
                   {"op": "vfio.group.close", "fd": "g2", "expect": "ok"},
                   {"op": "vfio.group.close", "fd": "g3", "expect": "ok"},
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:01:00.0", "as": "v0", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "v0", "iommufd": "X", "expect": "ok", "expectValue": {"devid": 1}},
                   {"op": "vfio.device.hot_reset_info", "fd": "v0", "expect": "ok",
                    "expectValue": {"count": 2, "flags": ["DEV_ID"], "groups": 0, "devids": [-1, 1]}},
                   {"op": "vfio.device.hot_reset", "fd": "v0", "expect": "EINVAL"},
                   {"op": "cdev.open", "device": "0000:01:00.1", "as": "v1", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "v1", "iommufd": "X", "expect": "ok", "expectValue": {"devid": 2}},
                   {"op": "vfio.device.hot_reset_info", "fd": "v0", "expect": "ok",
                    "expectValue": {"count": 2, "flags": ["DEV_ID", "DEV_ID_OWNED"], "groups": 0, "devids": [1, 2]}},
                   {"op": "vfio.device.hot_reset", "fd": "v0", "expect": "ok"},
                   {"op": "iommufd.open", "as": "Y", "expect": "ok"},
                   {"op": "cdev.close", "fd": "v1", "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:01:00.1", "as": "w1", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "w1", "iommufd": "Y", "expect": "ok", "expectValue": {"devid": 1}},
                   {"op": "vfio.device.hot_reset", "fd": "v0", "expect": "EINVAL"},
                   {"op": "vfio.device.hot_reset", "fd": "w1", "expect": "EINVAL"}
                 ]}
                """.formatted(ROOT_PORT));
    }

    /**
     * A bus reset reaches the buses below it too, bridges included: from a NIC beside a PCI bridge
     * behind a PCIe-to-PCI bridge it counts the NIC, the bridge and the NIC below the bridge, and
     * the bridge, which is no VFIO device, makes the reset EINVAL.
     */
    @Test
    void aResetReachesTheBusesBelowItsBus() {
        holds("""
                {"name": "reset-reaches-below",
                 "topology": {"iommus": [{"name": "dmar0"}], "pci": {"functions": [
                   {"address": "0000:00:00.0", "vendor": "0x8086", "device": "0x29c0", "class": "0x060000"},
                   %s,
                   {"address": "0000:01:00.0", "vendor": "0x1b36", "device": "0x000e", "class": "0x060400",
                    "express": "pcie-to-pci-bridge", "bridge": {"secondary": "0x02", "subordinate": "0x03"}},
                   {"address": "0000:02:01.0", "vendor": "0x8086", "device": "0x100e", "class": "0x020000"},
                   {"address": "0000:02:02.0", "vendor": "0x1b36", "device": "0x0001", "class": "0x060400",
                    "bridge": {"secondary": "0x03"}},
                   {"address": "0000:03:01.0", "vendor": "0x8086", "device": "0x100e", "class": "0x020000"}]}},
                 "steps": [
                   {"op": "driver.bind", "device": "0000:02:01.0", "driver": "vfio-pci", "expect": "ok"},
                   {"op": "driver.bind", "device": "0000:03:01.0", "driver": "vfio-pci", "expect": "ok"},
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "cdev.open", "device": "0000:02:01.0", "as": "v", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "v", "iommufd": "X", "expect": "ok", "expectValue": {"devid": 1}},
                   {"op": "vfio.device.hot_reset_info", "fd": "v", "expect": "ok",
                    "expectValue": {"count": 3, "flags": ["DEV_ID"], "groups": 0, "devids": [-1, -1, 1]}},
                   {"op": "vfio.device.hot_reset_info", "fd": "v", "num": 2, "expect": "ENOSPC"},
                   {"op": "vfio.device.hot_reset", "fd": "v", "expect": "EINVAL"},
                   {"op": "cdev.open", "device": "0000:03:01.0", "as": "w", "expect": "ok"},
                   {"op": "cdev.bind", "fd": "w", "iommufd": "X", "expect": "ok", "expectValue": {"devid": 2}},
                   {"op": "vfio.device.hot_reset_info", "fd": "w", "expect": "ok",
                    "expectValue": {"count": 1, "flags": ["DEV_ID", "DEV_ID_OWNED"], "groups": 0, "devids": [2]}},
                   {"op": "vfio.device.hot_reset", "fd": "w", "expect": "ok"}
                 ]}
                """.formatted(ROOT_PORT));
    }
}
