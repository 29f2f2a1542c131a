package dev.custody.topology.sysfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.topology.PciAddress;
import dev.custody.topology.PciTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader on a tree shaped like the live /sys: links to the functions, driver and iommu_group as links. */
class LiveSysfsShapeTest {

    @TempDir
    Path sys;

    @Test
    void theLiveShapeReadsAsTheSameTopologyAsItsCapture() throws IOException {
        LiveSysfsFixture.write(sys, LiveSysfsFixture.q35());
        assertTrue(Files.isSymbolicLink(sys.resolve("bus/pci/devices/0000:02:01.0")));
        assertTrue(
                Files.isSymbolicLink(sys.resolve("bus/pci/devices/0000:02:01.0/driver")),
                "the fixture links drivers as sysfs does");
        assertTrue(
                Files.isDirectory(sys.resolve("devices/pci0000:00/0000:00:04.0/0000:02:01.0")),
                "a function behind a bridge sits below the bridge's directory");

        var capture = SysfsCapture.read(sys.resolve(LiveSysfsFixture.DEVICES));

        assertEquals(PciTopology.of(LiveSysfsFixture.q35()), capture.topology());
        assertEquals(List.of(), capture.warnings());
        var e1000 = capture.topology().require(PciAddress.parse("0000:02:01.0"));
        assertEquals("e1000", e1000.driver().orElseThrow());
        assertEquals(OptionalInt.of(3), e1000.reportedGroup());
    }

    @Test
    void anUnboundFunctionHasNoDriverLink() throws IOException {
        LiveSysfsFixture.write(sys, LiveSysfsFixture.q35());
        LiveSysfsFixture.unbind(sys, "0000:02:01.0");
        var topology = SysfsCapture.read(sys.resolve(LiveSysfsFixture.DEVICES)).topology();
        assertTrue(topology.require(PciAddress.parse("0000:02:01.0")).driver().isEmpty());
    }

    @Test
    void aLinkedDriverMustStillBeADriversName() throws IOException {
        LiveSysfsFixture.write(sys, LiveSysfsFixture.q35());
        var driver = sys.resolve("bus/pci/devices/0000:02:01.0/driver");
        Files.delete(driver);
        Files.createSymbolicLink(driver, Path.of("../../../bus/pci/drivers/not a name"));
        var error = assertThrows(
                MalformedCaptureException.class, () -> SysfsCapture.read(sys.resolve(LiveSysfsFixture.DEVICES)));
        assertEquals(driver, error.file());
        assertTrue(error.getMessage().contains("not a driver name"), error.getMessage());
    }

    @Test
    void otherFilesAreStillReadOnlyWhenPlain() throws IOException {
        LiveSysfsFixture.write(sys, LiveSysfsFixture.q35());
        var vendor = sys.resolve("bus/pci/devices/0000:02:01.0/vendor");
        var real = vendor.toRealPath();
        Files.delete(real);
        Files.createSymbolicLink(real, Path.of("/dev/zero"));
        var error = assertThrows(
                MalformedCaptureException.class, () -> SysfsCapture.read(sys.resolve(LiveSysfsFixture.DEVICES)));
        assertTrue(
                error.getMessage().contains("a symbolic link; a capture holds plain files only"), error.getMessage());
    }
}
