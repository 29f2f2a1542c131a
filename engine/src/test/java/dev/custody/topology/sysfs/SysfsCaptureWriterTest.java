package dev.custody.topology.sysfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.topology.PciTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capturing a host-like sysfs tree, where driver and iommu_group are symlinks. */
class SysfsCaptureWriterTest {

    @TempDir
    Path host;

    @TempDir
    Path out;

    /** Turns the fixture's text files into the symlinks sysfs really has. */
    private void makeHostLike() throws IOException {
        for (var device : FixtureCopies.files(host).stream()
                .map(f -> host.resolve(f).getParent())
                .distinct()
                .toList()) {
            relink(device.resolve("driver"), "../../../bus/pci/drivers/");
            relink(device.resolve("iommu_group"), "../../../kernel/iommu_groups/");
        }
    }

    private static void relink(Path textFile, String prefix) throws IOException {
        if (!Files.exists(textFile)) return;
        var name = Files.readString(textFile).strip();
        Files.delete(textFile);
        Files.createSymbolicLink(textFile, Path.of(prefix + name));
    }

    @Test
    void aCapturedHostReadsBackAsTheSameTopology() throws IOException {
        CaptureFixture.write(host, Q35Capture.functions());
        makeHostLike();
        Files.createDirectories(host.resolve("not-a-device"));
        var notes = SysfsCaptureWriter.capture(host, out);
        assertEquals(List.of("not-a-device: not a PCI address, skipped"), notes);
        assertEquals(
                PciTopology.of(Q35Capture.functions()), SysfsCapture.read(out).topology());
    }

    @Test
    void anUnreadableConfigIsNotedAndTheReaderNamesIt() throws IOException {
        CaptureFixture.write(host, Q35Capture.functions());
        var config = host.resolve("0000:01:00.0/config");
        Files.delete(config);
        Files.createDirectory(config); // unreadable as a file even for root
        var notes = SysfsCaptureWriter.capture(host, out);
        assertEquals(1, notes.size());
        assertTrue(notes.getFirst().startsWith("0000:01:00.0: config unreadable"), notes.getFirst());
        var error = assertThrows(MalformedCaptureException.class, () -> SysfsCapture.read(out));
        assertEquals(out.resolve("0000:01:00.0/config"), error.file());
    }
}
