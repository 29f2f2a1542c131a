package dev.custody.cli;

import dev.custody.topology.host.HostInputException;
import dev.custody.topology.sysfs.SysfsCapture;
import dev.custody.topology.sysfs.SysfsCaptureWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody topology capture --out-dir DIR}: a live host's PCI devices in the captured layout. */
@Command(
        name = "capture",
        mixinStandardHelpOptions = true,
        description = {
            "Copies this host's " + TopologyCommand.LIVE_DEVICES + " into DIR: one directory per function",
            "with vendor, device, class, config (binary; only the header unless run as root), and",
            "driver and iommu_group as text files when present. Reads the host; changes nothing."
        })
final class TopologyCapture implements Callable<Integer> {

    @Option(
            names = "--out-dir",
            paramLabel = "DIR",
            required = true,
            description = "An empty or new directory (--out always names a file).")
    Path out;

    @Option(
            names = "--json",
            description = "Print one JSON object: {\"directory\", \"functions\", \"notes\": [...]}; notes"
                    + " also go to standard error.")
    boolean asJson;

    /** The devices directory to copy; a test points it at a fake host tree. */
    @Option(names = "--from", paramLabel = "DIR", hidden = true)
    Path from = Path.of(TopologyCommand.LIVE_DEVICES);

    @Override
    public Integer call() {
        return TopologyCommand.guard(() -> {
            if (!Files.isDirectory(from)) {
                throw new HostInputException(from.toString(), "PCI devices", "not a directory (no PCI here?)");
            }
            if (Files.exists(out) && (!Files.isDirectory(out) || hasEntries(out))) {
                throw new HostInputException(out.toString(), "--out-dir", "exists and is not an empty directory");
            }
            var notes = SysfsCaptureWriter.capture(from, out);
            notes.forEach(n -> System.err.println("custody: note: " + n));
            var capture = SysfsCapture.read(out);
            capture.warnings().forEach(w -> System.err.println("custody: note: " + w));
            if (asJson) {
                var json = new com.fasterxml.jackson.databind.ObjectMapper();
                var root = json.createObjectNode();
                root.put("directory", out.toString());
                root.put("functions", capture.topology().functions().size());
                var all = root.putArray("notes");
                notes.forEach(all::add);
                capture.warnings().forEach(all::add);
                System.out.println(json.writeValueAsString(root));
            } else {
                System.out.println("captured " + capture.topology().functions().size() + " PCI functions into " + out);
            }
            return TopologyCommand.OK;
        });
    }

    private static boolean hasEntries(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        }
    }
}
