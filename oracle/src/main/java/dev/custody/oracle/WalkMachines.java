package dev.custody.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.model.DeviceId;
import dev.custody.scenario.Scenario;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The machines random walks run on, taken in turn: each shape of PCI hierarchy whose groups and
 * hot-plug the kernel treats differently. The shapes in the pci form have their groups derived as the
 * kernel derives them, and the VM builds them as that hierarchy ({@link PciGuestHierarchy}).
 */
final class WalkMachines {
    private WalkMachines() {}

    /**
     * The first two are the walks' original machines (devices form, the groups given): a group whose
     * second function is hot-plugged sits behind a pcie-pci-bridge in the VM, the other groups are
     * root-bus slots.
     */
    static final List<WalkMachine> ALL = List.of(
            WalkMachine.grouped(
                    "hot-plug into a two-device group",
                    List.of("0000:00:03.0", "0000:00:03.1", "0000:00:04.0", "0000:00:05.0"),
                    List.of(1, 1, 2, 3),
                    Arrays.asList("e1000e", null, "nvme", null),
                    List.of(true, false, true, false),
                    "0000:00:03.1"),
            WalkMachine.grouped(
                    "hot-plug into a three-device group",
                    List.of("0000:00:03.0", "0000:00:03.1", "0000:00:03.2", "0000:00:04.0", "0000:00:05.0"),
                    List.of(1, 1, 1, 2, 3),
                    Arrays.asList("nvme", "e1000e", null, null, "e1000e"),
                    List.of(true, false, false, false, true),
                    "0000:00:03.2"),
            // a switch below a root port with ACS: QEMU's downstream ports have no ACS, so each starts
            // a group its endpoint joins; the endpoint of the third port is hot-plugged below it
            new WalkMachine.Pci("PCIe switch")
                    .rootPort("0000:00:02.0", 1, true, false)
                    .switchUpstream("0000:01:00.0", 2, 5)
                    .switchDownstream("0000:02:00.0", 3)
                    .switchDownstream("0000:02:01.0", 4)
                    .switchDownstream("0000:02:02.0", 5)
                    .endpoint("0000:03:00.0", "endpoint", "nvme", true, false)
                    .endpoint("0000:04:00.0", "endpoint", "e1000e", true, false)
                    .endpoint("0000:05:00.0", "endpoint", null, false, false)
                    .hotplugged("0000:05:00.0")
                    .build(),
            // conventional PCI behind a PCIe-to-PCI bridge: all alias to the bridge, one group with it;
            // one of them is hot-plugged through the bridge's bus; a lone endpoint on the root bus beside
            new WalkMachine.Pci("PCIe-to-PCI bridge")
                    .pcieToPciBridge("0000:00:02.0", 1)
                    .endpoint("0000:00:03.0", null, "nvme", true, false)
                    .endpoint("0000:01:01.0", null, "e1000e", true, false)
                    .endpoint("0000:01:02.0", null, null, false, false)
                    .endpoint("0000:01:03.0", null, "e1000e", false, false)
                    .hotplugged("0000:01:03.0")
                    .build(),
            // multifunction slots: root ports with ACS (a group each, their endpoints in their own),
            // root ports without ACS (one group with both endpoints), endpoints without ACS (one group)
            new WalkMachine.Pci("multifunction with and without ACS")
                    .rootPort("0000:00:02.0", 1, true, true)
                    .rootPort("0000:00:02.1", 2, true, true)
                    .rootPort("0000:00:03.0", 3, false, true)
                    .rootPort("0000:00:03.1", 4, false, true)
                    .endpoint("0000:00:04.0", null, "e1000e", true, true)
                    .endpoint("0000:00:04.1", null, null, false, true)
                    .endpoint("0000:01:00.0", "endpoint", "nvme", true, false)
                    .endpoint("0000:02:00.0", "endpoint", null, false, false)
                    .endpoint("0000:03:00.0", "endpoint", "e1000e", false, false)
                    .endpoint("0000:04:00.0", "endpoint", null, false, false)
                    .build(),
            // many single-device groups, most starting on vfio-pci, so several groups meet in one
            // container or one IOAS
            new WalkMachine.Pci("several groups sharing a container or an IOAS")
                    .rootPort("0000:00:02.0", 1, true, true)
                    .rootPort("0000:00:02.1", 2, true, true)
                    .rootPort("0000:00:02.2", 3, true, true)
                    .endpoint("0000:00:04.0", null, null, false, false)
                    .startingOn("vfio-pci")
                    .endpoint("0000:00:05.0", null, "e1000e", false, false)
                    .startingOn("vfio-pci")
                    .endpoint("0000:01:00.0", "endpoint", null, false, false)
                    .startingOn("vfio-pci")
                    .endpoint("0000:02:00.0", "endpoint", null, false, false)
                    .startingOn("vfio-pci")
                    .endpoint("0000:03:00.0", "endpoint", "nvme", true, false)
                    // attach more and close less, so groups meet before their files are gone; the dirty
                    // tracking calls, refused on every HWPT, meet no group and are left out (drawn, they
                    // moved the CI walks of this machine away from two groups in one container)
                    .weighing(Map.ofEntries(
                            Map.entry("vfio.group.set_container", 12),
                            Map.entry("cdev.attach", 12),
                            Map.entry("cdev.bind", 8),
                            Map.entry("vfio.device.close", 2),
                            Map.entry("vfio.container.open", 1),
                            Map.entry("iommufd.open", 1),
                            Map.entry("driver.bind", 3),
                            Map.entry("driver.unbind", 1),
                            Map.entry("driver.override", 1),
                            Map.entry("iommufd.option", 1),
                            Map.entry("iommufd.hwpt_set_dirty_tracking", 0),
                            Map.entry("iommufd.hwpt_get_dirty_bitmap", 0)))
                    .build());

    /** The machine a generated walk ran on, recognised by its devices. */
    static Optional<WalkMachine> of(Scenario walk) {
        List<String> names =
                walk.topology().devices().keySet().stream().map(DeviceId::name).toList();
        return ALL.stream()
                .filter(m -> m.allDevices().stream()
                        .sorted()
                        .toList()
                        .equals(names.stream().sorted().toList()))
                .findFirst();
    }

    /** The pci form of a generated walk's machine, which no file holds unless the walk was written out. */
    static Optional<JsonNode> pciFunctions(Scenario scenario) {
        if (!scenario.source().startsWith(RandomWalkScenarios.SOURCE_PREFIX)) {
            return Optional.empty();
        }
        return of(scenario).flatMap(WalkMachine::pciFunctions);
    }
}
