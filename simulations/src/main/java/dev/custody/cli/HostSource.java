package dev.custody.cli;

import dev.custody.topology.host.HostInputException;
import dev.custody.topology.sysfs.SysfsCapture;
import dev.custody.topology.sysfs.SysfsCaptureWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/**
 * Where the PCI functions come from: a captured tree ({@code --sysfs DIR}) or the live host. A live
 * host is captured into a temporary directory first, because its {@code driver} and
 * {@code iommu_group} are symlinks where a capture holds text files, and one reader should serve both.
 */
final class HostSource {

    @Option(
            names = "--sysfs",
            paramLabel = "DIR",
            description =
                    "A captured tree (see 'topology capture'); default: this host's " + TopologyCommand.LIVE_DEVICES)
    Path sysfs;

    /** What was read, and notes about what could not be (unreadable config, missing capabilities). */
    record Loaded(SysfsCapture capture, String source, List<String> notes) {}

    Loaded load() throws IOException {
        if (sysfs != null) {
            var capture = SysfsCapture.read(sysfs);
            return new Loaded(capture, sysfs.toString(), capture.warnings());
        }
        var live = Path.of(TopologyCommand.LIVE_DEVICES);
        if (!Files.isDirectory(live)) {
            throw new HostInputException(
                    live.toString(), "PCI devices", "not a directory (no PCI here?); use --sysfs DIR");
        }
        var temporary = Files.createTempDirectory("custody-pci-");
        try {
            var notes = new ArrayList<>(SysfsCaptureWriter.capture(live, temporary));
            var capture = SysfsCapture.read(temporary);
            notes.addAll(capture.warnings());
            return new Loaded(capture, "this host", notes);
        } finally {
            deleteTree(temporary);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (var path : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
        }
    }
}
