package dev.custody.live;

import static dev.custody.live.Q35LiveHost.AUDIO;
import static dev.custody.live.Q35LiveHost.E1000;
import static dev.custody.live.Q35LiveHost.E1000_ADDRESS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.DeviceId;
import dev.custody.topology.PciTopology;
import dev.custody.topology.host.HostInputException;
import dev.custody.topology.sysfs.LiveSysfsFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostSysfsTest {

    @TempDir
    Path sys;

    @Test
    void readsEveryFunctionsDriverOverrideAndGroup() throws IOException {
        Q35LiveHost host = Q35LiveHost.q35(sys);
        HostView view = host.sysfs.read();
        assertTrue(view.complete());
        assertEquals(LiveSysfsFixture.q35().size(), view.devices().size());
        assertEquals(
                new HostDevice(E1000, true, Optional.of("e1000"), Optional.empty(), OptionalInt.of(3)),
                view.device(E1000).orElseThrow());
        assertEquals(
                new HostDevice(AUDIO, true, Optional.empty(), Optional.empty(), OptionalInt.of(5)),
                view.device(AUDIO).orElseThrow(),
                "an unbound function has no driver link");
    }

    @Test
    void keysDevicesAsTheImportedModelDoes() throws IOException {
        Q35LiveHost host = Q35LiveHost.q35(sys);
        assertEquals(
                List.copyOf(host.topology().devices().keySet()),
                List.copyOf(host.sysfs.read().devices().keySet()));
    }

    @Test
    void readsTheTopologyThroughTheCaptureReader() throws IOException {
        Q35LiveHost host = Q35LiveHost.q35(sys);
        assertEquals(
                PciTopology.of(LiveSysfsFixture.q35()), host.sysfs.topology().topology());
    }

    @Test
    void anOverrideIsReadAndNullIsNone() throws IOException {
        Q35LiveHost host = Q35LiveHost.q35(sys);
        LiveSysfsFixture.override(sys, E1000_ADDRESS, Optional.of("vfio-pci"));
        assertEquals(Optional.of("vfio-pci"), host.sysfs.device(E1000).override());
        LiveSysfsFixture.override(sys, E1000_ADDRESS, Optional.empty());
        assertEquals(Optional.empty(), host.sysfs.device(E1000).override());
    }

    @Test
    void aRemovedFunctionIsAbsentInBothKindsOfView() throws IOException {
        Q35LiveHost host = Q35LiveHost.q35(sys);
        LiveSysfsFixture.remove(sys, E1000_ADDRESS);
        HostView complete = host.sysfs.read();
        assertFalse(complete.devices().containsKey(E1000), "a complete view lists present devices");
        assertEquals(Optional.of(HostDevice.absent(E1000)), complete.device(E1000));
        HostView partial = host.sysfs.read(List.of(E1000));
        assertFalse(partial.complete());
        assertEquals(Optional.of(HostDevice.absent(E1000)), partial.device(E1000));
        assertEquals(Optional.empty(), partial.device(AUDIO), "a partial view says nothing of others");
    }

    @Test
    void entriesThatAreNotAddressesAreNotFunctions() throws IOException {
        Q35LiveHost host = Q35LiveHost.q35(sys);
        Files.createDirectories(sys.resolve("bus/pci/devices/not-a-function"));
        assertEquals(LiveSysfsFixture.q35().size(), host.sysfs.read().devices().size());
    }

    @Test
    void aDriverThatIsNotALinkIsNamedAsBadInput() throws IOException {
        Q35LiveHost host = Q35LiveHost.q35(sys);
        Path driver = sys.resolve("bus/pci/devices/" + E1000_ADDRESS + "/driver");
        LiveSysfsFixture.unbind(sys, E1000_ADDRESS);
        Files.writeString(driver, "e1000\n");
        var error = assertThrows(HostInputException.class, () -> host.sysfs.device(E1000));
        assertEquals(driver + ": driver: not a symbolic link, as sysfs shows it", error.getMessage());
    }

    @Test
    void anOverrideThatIsNotADriverNameIsNamedAsBadInput() throws IOException {
        Q35LiveHost host = Q35LiveHost.q35(sys);
        Path override = sys.resolve("bus/pci/devices/" + E1000_ADDRESS + "/driver_override");
        Files.writeString(override, "two words\n");
        var error = assertThrows(HostInputException.class, () -> host.sysfs.device(E1000));
        assertEquals(override + ": driver_override: not a driver name", error.getMessage());
    }

    @Test
    void aRootWithoutPciDevicesIsNamed() {
        var error = assertThrows(HostInputException.class, () -> new HostSysfs(sys).read());
        assertEquals(
                sys.resolve("bus/pci/devices") + ": PCI devices: not there (no PCI bus, or not a sysfs root)",
                error.getMessage());
    }

    @Test
    void aDeviceThatNeverWasIsAbsent() throws IOException {
        Q35LiveHost host = Q35LiveHost.q35(sys);
        assertEquals(HostDevice.absent(new DeviceId("0000:07:00.0")), host.sysfs.device(new DeviceId("0000:07:00.0")));
    }
}
