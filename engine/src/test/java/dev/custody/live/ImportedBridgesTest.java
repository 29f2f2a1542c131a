package dev.custody.live;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.model.DeviceId;
import dev.custody.model.Topology;
import dev.custody.topology.host.PciDriverAliases;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host's topology as live mode imports it knows the bridge each device's bus hangs from, which the
 * hot-reset rules reset it through, and keeps it when the host's drivers are folded in.
 */
class ImportedBridgesTest {
    private static final DeviceId ROOT_PORT = new DeviceId("0000:00:02.0");
    private static final DeviceId PCIE_TO_PCI_BRIDGE = new DeviceId("0000:00:04.0");

    @TempDir
    Path root;

    @Test
    void eachDeviceNamesTheBridgeOfItsBusAndOneOnTheRootBusNone() throws Exception {
        Topology imported = Q35LiveHost.q35(root).topology();

        assertEquals(Optional.of(ROOT_PORT), imported.device(Q35LiveHost.NVME).upstreamBridge());
        assertEquals(
                Optional.of(PCIE_TO_PCI_BRIDGE),
                imported.device(Q35LiveHost.E1000).upstreamBridge());
        assertEquals(Optional.empty(), imported.device(Q35LiveHost.AUDIO).upstreamBridge());
    }

    @Test
    void theHostsDriverTablesKeepTheBridges() throws Exception {
        Q35LiveHost host = Q35LiveHost.q35(root);

        Topology machine = HostDriverTables.appliedTo(host.topology(), host.sysfs, PciDriverAliases.none());

        assertEquals(Optional.of(ROOT_PORT), machine.device(Q35LiveHost.NVME).upstreamBridge());
        assertEquals(
                Optional.of(PCIE_TO_PCI_BRIDGE),
                machine.device(Q35LiveHost.VIRTIO_NET).upstreamBridge());
    }
}
