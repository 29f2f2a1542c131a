package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.nativeio.host.HostAgentMain;
import dev.custody.nativeio.host.HostPaths;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java host agent's output reads as the C agent's does: the oracle parses it with the same code. */
class HostAgentMainOutputTest {
    @TempDir
    Path root;

    @Test
    void answersRoundTripThroughTheOraclesParser() throws Exception {
        Path sys = root.resolve("sys");
        Path dev = root.resolve("dev");
        Path nic = sys.resolve("bus/pci/devices/0000:00:03.0");
        Files.createDirectories(nic);
        Files.createDirectories(sys.resolve("kernel/iommu_groups/2/devices"));
        Files.createSymbolicLink(sys.resolve("kernel/iommu_groups/2/devices/0000:00:03.0"), nic);
        Files.createDirectories(dev);
        Files.writeString(dev.resolve("iommu"), "");
        String script = String.join(
                "\n",
                "-kernel kernel",
                "- groups",
                "# a comment",
                "- state 0000:00:03.0",
                "1 open fd1 iommufd",
                "2 unbind 0000:00:03.0",
                "3 ioas-alloc fd1 ioas1",
                "4 frobnicate",
                "5 close fd1",
                "");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            HostAgentMain.run(
                    new BufferedReader(new StringReader(script)),
                    new HostPaths(sys, dev),
                    root.resolve("no-modules"),
                    out);
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals("A custody-agent ready", lines.getFirst());
        AgentAnswers answers = AgentAnswers.parse(lines);
        assertTrue(answers.finished(), "END: " + lines);
        assertEquals(
                Map.of("iommufd", "1", "container", "0", "kmod", "0"),
                answers.facts().get("kernel").values());
        assertEquals(List.of(List.of("0000:00:03.0")), answers.groups());
        assertEquals(
                "devices=0000:00:03.0:none",
                "devices=" + answers.setUp().getLast().values().get("devices"));
        assertEquals("ok", answers.steps().get(1).result());
        assertEquals("ENODEV", answers.steps().get(2).result());
        assertEquals("ENOTTY", answers.steps().get(3).result());
        assertEquals(List.of("step 4: unknown verb frobnicate"), answers.problems());
        assertEquals("ok", answers.steps().get(5).result());
    }
}
