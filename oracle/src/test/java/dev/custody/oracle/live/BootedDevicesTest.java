package dev.custody.oracle.live;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.oracle.GuestLayout;
import dev.custody.oracle.ScenarioFiles;
import dev.custody.scenario.ScenarioParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootedDevicesTest {
    private static final Path PCI_FORM =
            Path.of("../engine/src/test/resources/scenarios/topology-pci-multifunction-slot-without-acs.json");

    @TempDir
    Path devices;

    /** The devices the host boots for the file's pci form: a virtio-net and two edu functions. */
    private void bootedAsTheForm() throws Exception {
        device("0000:00:03.0", "0x1af4", "0x1000");
        device("0000:00:03.1", "0x1234", "0x11e8");
        device("0000:01:00.0", "0x1234", "0x11e8");
        device("0000:00:02.0", "0x1b36", "0x000c"); // the root port: the layout gives it no ids
    }

    private void device(String address, String vendor, String device) throws Exception {
        Path dir = Files.createDirectories(devices.resolve(address));
        Files.writeString(dir.resolve("vendor"), vendor + "\n");
        Files.writeString(dir.resolve("device"), device + "\n");
    }

    @Test
    void theLayoutTheHostBootedFindsItsDevices() throws Exception {
        bootedAsTheForm();

        assertEquals(List.of(), BootedDevices.unlike(GuestLayout.of(ScenarioFiles.parse(PCI_FORM)), devices));
    }

    @Test
    void aLayoutWithoutTheFormIsToldFromTheBootedDevicesBeforeAnyStepIsSent() throws Exception {
        bootedAsTheForm();
        GuestLayout withoutForm = GuestLayout.of(
                ScenarioParser.parse("no/such/dir/" + PCI_FORM.getFileName(), Files.readString(PCI_FORM)));

        assertEquals(
                List.of("0000:00:03.0 is 1af4 1000, the layout has E1000E (8086 10d3)"),
                BootedDevices.unlike(withoutForm, devices));
    }

    @Test
    void aDeviceTheGuestDoesNotShowIsNotCompared() throws Exception {
        device("0000:00:03.0", "0x1af4", "0x1000");

        assertEquals(List.of(), BootedDevices.unlike(GuestLayout.of(ScenarioFiles.parse(PCI_FORM)), devices));
    }

    /** Behind a PCIe port QEMU's virtio-net is modern only, 1af4:1041: the same kind, not another device. */
    @Test
    void aModernVirtioNetIsTheLayoutsVirtioNet() throws Exception {
        bootedAsTheForm();
        device("0000:00:03.0", "0x1af4", "0x1041");

        assertEquals(List.of(), BootedDevices.unlike(GuestLayout.of(ScenarioFiles.parse(PCI_FORM)), devices));
    }

    @Test
    void anotherVirtioDeviceIsNot() throws Exception {
        bootedAsTheForm();
        device("0000:00:03.0", "0x1af4", "0x1042");

        assertEquals(
                List.of("0000:00:03.0 is 1af4 1042, the layout has NET (1af4 1000)"),
                BootedDevices.unlike(GuestLayout.of(ScenarioFiles.parse(PCI_FORM)), devices));
    }
}
