package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code custody topology capture} from a fake host tree built from the q35 capture, where
 * {@code driver} and {@code iommu_group} are symlinks as on a live host.
 */
class TopologyCaptureTest {

    @TempDir
    Path dir;

    /** Turns the capture's text files back into the symlinks a live sysfs has. */
    private Path fakeHost() throws IOException {
        var host = CliRun.copyOfQ35(dir.resolve("devices"));
        try (var devices = Files.list(host)) {
            for (var device : devices.toList()) {
                for (var link : new String[] {"driver", "iommu_group"}) {
                    var file = device.resolve(link);
                    if (!Files.exists(file)) continue;
                    var name = Files.readString(file).strip();
                    Files.delete(file);
                    var parent = link.equals("driver") ? "bus/pci/drivers/" : "kernel/iommu_groups/";
                    Files.createSymbolicLink(file, Path.of("../../../" + parent + name));
                }
            }
        }
        return host;
    }

    @Test
    void aCaptureOfTheHostImportsToTheSameGroups() throws IOException {
        var out = dir.resolve("capture");
        var run = CliRun.of("topology", "capture", "--from", fakeHost().toString(), "--out-dir", out.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("captured 13 PCI functions"), run.out());
        assertEquals(
                "nvme", Files.readString(out.resolve("0000:01:00.0/driver")).strip());
        var imported = CliRun.of("topology", "import", "--sysfs", out.toString(), "--json");
        assertEquals(0, imported.status(), imported.err());
        assertEquals(
                "{\"groups\":" + TopologyImportTest.Q35_GROUPS + ",\"kernelGroups\":" + TopologyImportTest.Q35_GROUPS
                        + ",\"differences\":[]}",
                imported.out().strip());
    }

    @Test
    void aNonEmptyOutputDirectoryIsRefused() throws IOException {
        var out = Files.createDirectories(dir.resolve("busy"));
        Files.writeString(out.resolve("keep"), "x");
        var run = CliRun.of("topology", "capture", "--from", fakeHost().toString(), "--out-dir", out.toString());
        assertEquals(2, run.status());
        assertTrue(run.err().contains("--out-dir: exists and is not an empty directory"), run.err());
    }

    @Test
    void jsonSaysWhereAndHowMany() throws Exception {
        var out = dir.resolve("capture-json");
        var run = CliRun.of(
                "topology", "capture", "--from", fakeHost().toString(), "--out-dir", out.toString(), "--json");
        assertEquals(0, run.status(), run.err());
        var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.out());
        assertEquals(out.toString(), root.get("directory").asText());
        assertEquals(13, root.get("functions").asInt());
        assertTrue(root.get("notes").isArray(), run.out());
    }
}
