package dev.custody.topology.sysfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of damage is reported with the file and the field at fault. */
class MalformedCaptureTest {

    @TempDir
    Path temp;

    @FunctionalInterface
    interface Damage {
        void apply(Path capture) throws IOException;
    }

    record Case(String name, Damage damage, String file, String field, String problem) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String ROOT_PORT = "0000:00:05.0";
    private static final String NVME = "0000:01:00.0";

    static Stream<Case> damages() {
        return Stream.of(
                new Case(
                        "vendor without 0x",
                        c -> text(c, NVME + "/vendor", "1b36"),
                        NVME + "/vendor",
                        "vendor id",
                        "not of the form 0x8086"),
                new Case(
                        "class too short",
                        c -> text(c, NVME + "/class", "0x0108"),
                        NVME + "/class",
                        "class code",
                        "not of the form 0x060400"),
                new Case(
                        "device file missing",
                        c -> Files.delete(c.resolve(NVME + "/device")),
                        NVME + "/device",
                        "device id",
                        "file missing"),
                new Case(
                        "config missing",
                        c -> Files.delete(c.resolve(NVME + "/config")),
                        NVME + "/config",
                        "config",
                        "file missing"),
                new Case(
                        "config shorter than a header",
                        c -> truncate(c, NVME + "/config", 10),
                        NVME + "/config",
                        "header",
                        "10 bytes, the header alone needs 64"),
                new Case(
                        "config longer than 4096",
                        c -> Files.write(c.resolve(NVME + "/config"), new byte[4097]),
                        NVME + "/config",
                        "config",
                        "more than 4096 bytes, larger than any sysfs file"),
                new Case(
                        "vendor file disagrees with config",
                        c -> text(c, NVME + "/vendor", "0x8086"),
                        NVME + "/config",
                        "vendor id",
                        "0x1b36 in config but 0x8086 in vendor"),
                new Case(
                        "group number not a number",
                        c -> text(c, NVME + "/iommu_group", "six"),
                        NVME + "/iommu_group",
                        "group number",
                        "not a group number"),
                new Case(
                        "directory not an address",
                        c -> Files.move(c.resolve(NVME), c.resolve("nvme0")),
                        "nvme0",
                        "directory name",
                        "not a PCI address (want 0000:00:03.1): 'nvme0'"),
                new Case(
                        "unknown header layout",
                        c -> poke(c, NVME + "/config", 0x0e, 0x05),
                        NVME + "/config",
                        "header type",
                        "unknown layout 5"),
                new Case(
                        "subordinate bus below secondary",
                        c -> poke(c, ROOT_PORT + "/config", 0x1a, 0x00),
                        ROOT_PORT + "/config",
                        "secondary/subordinate bus",
                        "subordinate bus 0 below secondary 3"),
                new Case(
                        "capability list loops",
                        c -> {
                            poke(c, NVME + "/config", 0x40, 0x01);
                            poke(c, NVME + "/config", 0x41, 0x40);
                        },
                        NVME + "/config",
                        "capability list",
                        "loops back to 0x40"),
                new Case(
                        "capability pointer into the header",
                        c -> poke(c, NVME + "/config", 0x34, 0x20),
                        NVME + "/config",
                        "capability list",
                        "pointer 0x20 outside the capability area"),
                new Case(
                        "unknown PCIe port type",
                        c -> poke(c, NVME + "/config", 0x42, 0xf2),
                        NVME + "/config",
                        "PCIe capability device/port type",
                        "unknown type 15"),
                new Case(
                        "extended capability list loops",
                        c -> {
                            poke(c, ROOT_PORT + "/config", 0x100, 0x01);
                            poke(c, ROOT_PORT + "/config", 0x102, 0x01);
                            poke(c, ROOT_PORT + "/config", 0x103, 0x10);
                        },
                        ROOT_PORT + "/config",
                        "extended capability list",
                        "loops back to 0x100"),
                new Case(
                        "config is a symbolic link",
                        c -> {
                            Files.delete(c.resolve(NVME + "/config"));
                            Files.createSymbolicLink(c.resolve(NVME + "/config"), Path.of("/dev/zero"));
                        },
                        NVME + "/config",
                        "config",
                        "a symbolic link; a capture holds plain files only"),
                new Case(
                        "vendor is a link to another user's file",
                        c -> {
                            Files.delete(c.resolve(NVME + "/vendor"));
                            Files.createSymbolicLink(c.resolve(NVME + "/vendor"), c.resolve(ROOT_PORT + "/config"));
                        },
                        NVME + "/vendor",
                        "vendor id",
                        "a symbolic link; a capture holds plain files only"),
                new Case(
                        "driver is a directory",
                        c -> {
                            Files.deleteIfExists(c.resolve(NVME + "/driver"));
                            Files.createDirectory(c.resolve(NVME + "/driver"));
                        },
                        NVME + "/driver",
                        "driver name",
                        "not a regular file"),
                new Case(
                        "two bridges claim one bus",
                        c -> poke(c, ROOT_PORT + "/config", 0x19, 0x01),
                        "",
                        "bridge bus numbers",
                        "bridges 0000:00:02.0 and 0000:00:05.0 both claim secondary bus 0000:01"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damages")
    void namesFileAndField(Case c) throws IOException {
        var capture = FixtureCopies.copyOf(SysfsCaptureTest.committedFixture(), temp);
        c.damage().apply(capture);
        var error = assertThrows(MalformedCaptureException.class, () -> SysfsCapture.read(capture));
        assertEquals(c.file().isEmpty() ? capture : capture.resolve(c.file()), error.file());
        assertEquals(c.field(), error.field());
        assertTrue(error.getMessage().endsWith(c.problem()), error.getMessage());
    }

    private static void text(Path capture, String file, String content) throws IOException {
        Files.writeString(capture.resolve(file), content + "\n");
    }

    private static void truncate(Path capture, String file, int length) throws IOException {
        var path = capture.resolve(file);
        Files.write(path, Arrays.copyOf(Files.readAllBytes(path), length));
    }

    private static void poke(Path capture, String file, int offset, int value) throws IOException {
        var path = capture.resolve(file);
        var bytes = Files.readAllBytes(path);
        bytes[offset] = (byte) value;
        Files.write(path, bytes);
    }
}
