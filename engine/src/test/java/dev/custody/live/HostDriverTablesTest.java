package dev.custody.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A live host's registered drivers and id tables, folded into the machine its engine starts on. */
class HostDriverTablesTest {
    private static final DeviceId NIC = new DeviceId("0000:00:03.0");
    private static final DeviceId DISK = new DeviceId("0000:00:04.0");

    @TempDir
    Path root;

    private HostSysfs host() throws Exception {
        Path devices = Files.createDirectories(root.resolve(HostSysfs.DEVICES));
        Files.createDirectories(devices.resolve(NIC.name()));
        Files.writeString(
                devices.resolve(NIC.name()).resolve("modalias"),
                "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00\n");
        Files.createDirectories(devices.resolve(DISK.name())); // a function without modalias: no matches
        Path drivers = Files.createDirectories(root.resolve(HostSysfs.DRIVERS));
        for (String driver : List.of("virtio-pci", "vfio-pci", "mlx5_vfio_pci", "nvme")) {
            Files.createDirectories(drivers.resolve(driver));
        }
        return new HostSysfs(root);
    }

    private static Topology imported() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("iommu0", new IommuSpec("iommu0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        int group = 1;
        for (DeviceId id : List.of(NIC, DISK)) {
            devices.put(
                    id,
                    new DeviceSpec(
                            id,
                            Optional.of("iommu0"),
                            Optional.of(new GroupId(group++)),
                            List.of(),
                            false,
                            true,
                            Optional.empty()));
        }
        return new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
    }

    @Test
    void registeredDriversJoinTheCatalogueAndMatchByTheirModulesAliases() throws Exception {
        Path modules = Files.createDirectories(root.resolve("modules"));
        Files.writeString(
                modules.resolve("modules.alias"),
                "alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\n"
                        + "alias pci:v0000144Dd*sv*sd*bc01sc08i02* nvme\n"
                        + "alias pci:v*d*sv*sd*bc02sc00i* e1000e\n"); // e1000e matches by class but is not loaded
        List<String> notes = new ArrayList<>();
        Topology machine = HostDriverTables.appliedTo(imported(), host(), HostDriverTables.read(modules, notes::add));

        assertEquals(List.of("virtio-pci"), machine.device(NIC).matches(), "only a loaded module has a driver");
        assertEquals(List.of(), machine.device(DISK).matches());
        assertEquals(
                Optional.of(new dev.custody.model.PciDeviceIds(0x1af4, 0x1041)),
                machine.device(NIC).pciIds(),
                "the ids dynamic ids match against, read from the modalias");
        assertEquals(Optional.empty(), machine.device(DISK).pciIds(), "no modalias, no ids");
        assertTrue(machine.drivers().containsKey("nvme"), "registered with no device, still bindable");
        assertEquals(
                new DriverSpec("mlx5_vfio_pci", true, true),
                machine.drivers().get("mlx5_vfio_pci"),
                "a VFIO variant driver manages DMA and registers with VFIO");
        assertEquals(Topology.BUILT_IN_DRIVERS.getFirst(), machine.drivers().get("vfio-pci"), "a built-in stays");
        assertEquals(
                List.of(modules.resolve("modules.builtin.alias") + " is missing: its drivers' id tables are not known"),
                notes);
    }

    @Test
    void withoutAliasFilesDevicesKeepWhatTheyHad() throws Exception {
        List<String> notes = new ArrayList<>();
        Topology machine = HostDriverTables.appliedTo(
                imported(), host(), HostDriverTables.read(root.resolve("no-modules"), notes::add));
        assertEquals(List.of(), machine.device(NIC).matches());
        assertEquals(2, notes.size(), notes.toString());
    }
}
