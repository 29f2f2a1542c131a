package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.oracle.vm.Kernel;
import dev.custody.scenario.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioRecorderTest {

    @Test
    void theKernelsAnswersBecomeTheFilesExpectationsAndTheFileStillParses(@TempDir Path dir) throws Exception {
        String steps = """
                { "op": "driver.unbind", "device": "0000:00:03.0", "comment": "kept" },
                { "op": "driver.probe", "device": "0000:00:03.0", "expect": "EBUSY" }""";
        Path file = dir.resolve("s.json");
        Files.writeString(file, "{ \"name\": \"t\", " + OracleScenarios.TOPOLOGY + ", \"steps\": [" + steps + "] }");
        Scenario scenario = dev.custody.oracle.ScenarioFiles.parse(file);
        AgentAnswers answers = AgentAnswers.parse(List.of("R 1 ok", "R 2 ok driver=virtio-pci", "END"));
        Kernel kernel = new Kernel("k", "6.12.0", Path.of("bzImage"), Optional.empty(), true);
        KernelRun run = new KernelRun(
                file.toString(),
                kernel,
                KernelLines.of(scenario, GuestLayout.of(scenario), answers, "k"),
                answers,
                List.of(),
                Optional.empty(),
                Duration.ZERO);

        ScenarioRecorder.record(file, run);

        JsonNode root = new ObjectMapper().readTree(Files.readString(file));
        assertEquals("ok", root.get("steps").get(0).get("expect").asText());
        assertEquals("kept", root.get("steps").get(0).get("comment").asText());
        assertEquals("ok", root.get("steps").get(1).get("expect").asText());
        assertEquals(
                "e1000e",
                root.get("steps").get(1).get("expectValue").get("driver").asText());
        assertEquals("k", root.get("recorded").get("kernel").asText());
        Scenario reread = dev.custody.oracle.ScenarioFiles.parse(file);
        assertEquals(2, reread.steps().size());
        assertFalse(Files.exists(dir.resolve("s.json.recording")), "the temporary file is moved into place");
    }

    @Test
    void filesAreWrittenInTheCorpusLayout() throws Exception {
        ObjectMapper json = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree("""
                {"name": "n", "topology": {"iommus": [{"name": "dmar0"}], "devices": [
                  {"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "matches": ["e1000e"], "driver": "e1000e"},
                  {"name": "0000:00:03.1", "iommu": "dmar0", "group": 1}]},
                 "steps": [{"op": "state", "group": 1, "expect": "ok"}, {"op": "driver.unbind", "device": "0000:00:03.0"}]}""");
        assertEquals("""
                {
                  "name": "n",
                  "topology": {
                    "iommus": [{"name": "dmar0"}],
                    "devices": [
                      {"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "matches": ["e1000e"], "driver": "e1000e"},
                      {"name": "0000:00:03.1", "iommu": "dmar0", "group": 1}
                    ]
                  },
                  "steps": [
                    {"op": "state", "group": 1, "expect": "ok"},
                    {"op": "driver.unbind", "device": "0000:00:03.0"}
                  ]
                }
                """, ScenarioRecorder.format(root));
        assertEquals(root, json.readTree(ScenarioRecorder.format(root)), "formatting changes no content");
    }

    @Test
    void anAutomaticHwptKeepsTheFilesNameForItAndEngineOnlyFieldsStay(@TempDir Path dir) throws Exception {
        String steps = """
                { "op": "iommufd.open", "as": "X" },
                { "op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I" },
                { "op": "cdev.open", "device": "0000:00:04.0", "as": "c" },
                { "op": "cdev.attach", "fd": "c", "pt": "I", "as": "H1", "expectValue": { "pt": "H1" } },
                { "op": "state", "group": 1, "expectValue": { "ownerCnt": 1 } }""";
        Path file = dir.resolve("s.json");
        Files.writeString(file, "{ \"name\": \"t\", " + OracleScenarios.TOPOLOGY + ", \"steps\": [" + steps + "] }");
        Scenario scenario = dev.custody.oracle.ScenarioFiles.parse(file);
        AgentAnswers answers = AgentAnswers.parse(List.of(
                "R 1 ok",
                "R 2 ok id=1",
                "R 3 ok",
                "R 4 ok pt_id=7",
                "R 5 ok devices=0000:00:03.0:virtio-pci,0000:00:03.1:none",
                "END"));
        Kernel kernel = new Kernel("k", "6.12.0", Path.of("bzImage"), Optional.empty(), true);
        KernelRun run = new KernelRun(
                file.toString(),
                kernel,
                KernelLines.of(scenario, GuestLayout.of(scenario), answers, "k"),
                answers,
                List.of(),
                Optional.empty(),
                Duration.ZERO);

        ScenarioRecorder.record(file, run);

        JsonNode recorded = new ObjectMapper().readTree(Files.readString(file)).get("steps");
        assertEquals(
                "H1", recorded.get(3).get("expectValue").get("pt").asText(), "the kernel only says it was automatic");
        assertEquals(
                1, recorded.get(4).get("expectValue").get("ownerCnt").asInt(), "the kernel cannot see owner counts");
        assertEquals(
                "e1000e",
                recorded.get(4)
                        .get("expectValue")
                        .get("devices")
                        .get(0)
                        .get("driver")
                        .asText());
    }
}
