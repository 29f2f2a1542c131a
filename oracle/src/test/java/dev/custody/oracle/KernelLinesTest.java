package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.ops.NotRealisable;
import dev.custody.oracle.vm.Kernel;
import dev.custody.scenario.Scenario;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The agent's answers become scenario lines, and those lines are compared with the engine's. */
class KernelLinesTest {
    private static final Kernel KERNEL =
            new Kernel("test-kernel", "6.12.0", Path.of("bzImage"), Optional.empty(), true);

    private static final Scenario SCENARIO = OracleScenarios.withSteps("""
            { "op": "driver.unbind", "device": "0000:00:03.0", "expect": "ok" },
            { "op": "driver.probe", "device": "0000:00:03.0", "expectValue": { "driver": "e1000e" } },
            { "op": "vfio.group.open", "group": 1, "as": "g" },
            { "op": "iommufd.open", "as": "X" },
            { "op": "iommufd.ioas_alloc", "iommufd": "X", "as": "A" },
            { "op": "state", "group": 1 }""");

    private static AgentAnswers answers(String... lines) {
        return AgentAnswers.parse(List.of(lines));
    }

    @Test
    void answersBecomeLinesWithScenarioNamesAndTheKernel() throws NotRealisable {
        GuestLayout layout = GuestLayout.of(SCENARIO);
        AgentAnswers answers = answers(
                "A ready",
                "G 7 0000:00:03.1 0000:00:03.0",
                "G 8 0000:00:04.0",
                "G 9 0000:00:05.0 0000:01:01.0",
                "G 0 0000:00:00.0",
                "R 1 ok",
                "R 2 ok driver=virtio-pci",
                "R 3 ENODEV",
                "R 4 ok",
                "R 5 ok id=1",
                "R 6 ok devices=0000:00:03.0:virtio-pci,0000:00:03.1:none",
                "END");
        List<ObjectNode> lines = KernelLines.of(SCENARIO, layout, answers, KERNEL.name());
        assertEquals(
                "{\"step\":2,\"op\":\"driver.probe\",\"result\":\"ok\",\"value\":{\"driver\":\"e1000e\"},"
                        + "\"kernel\":\"test-kernel\",\"match\":true}",
                lines.get(1).toString());
        assertEquals("ENODEV", lines.get(2).get("result").asText());
        assertEquals(
                "[{\"device\":\"0000:00:03.0\",\"driver\":\"e1000e\"},{\"device\":\"0000:00:03.1\",\"driver\":null}]",
                lines.get(5).get("value").get("devices").toString());
        assertEquals(0, lines.getLast().get("summary").get("mismatches").asInt());
        assertEquals(List.of(), GuestGroups.differences(layout, answers.groups()));
    }

    @Test
    void aGroupTheGuestSplitIsReported() throws NotRealisable {
        GuestLayout layout = GuestLayout.of(SCENARIO);
        List<String> differences = GuestGroups.differences(
                layout,
                answers("G 1 0000:00:03.0", "G 2 0000:00:03.1", "G 3 0000:00:04.0", "G 4 0000:01:01.0")
                        .groups());
        assertEquals(1, differences.size(), differences.toString());
        assertTrue(differences.get(0).startsWith("group 1 [0000:00:03.0, 0000:00:03.1] is not one group"));
    }

    @Test
    void aBlockedWriteCompletesOnTheStepThatReleasedIt() {
        AgentAnswers answers = answers("R 3 PENDING", "R 4 ok", "C 3 4 ok", "C 9 end ok", "END");
        assertEquals(
                List.of(new AgentAnswers.Completion(3, "ok")),
                answers.completions().get(4));
        assertEquals(1, answers.completions().size(), "a write still blocked at the end completes no step");
        assertTrue(answers.finished());
    }

    @Test
    void comparisonNamesEveryStepWhereTheEngineAndTheKernelDiffer() throws NotRealisable {
        GuestLayout layout = GuestLayout.of(SCENARIO);
        AgentAnswers answers = answers(
                "R 1 ok",
                "R 2 ok driver=none",
                "R 3 EBUSY",
                "R 4 ok",
                "R 5 ok id=1",
                "R 6 ok devices=0000:00:03.0:none,0000:00:03.1:none",
                "END");
        KernelRun run = new KernelRun(
                "test.json",
                KERNEL,
                KernelLines.of(SCENARIO, layout, answers, KERNEL.name()),
                answers,
                List.of(),
                Optional.empty(),
                Duration.ZERO);
        FileComparison comparison = Comparison.of(SCENARIO, EngineLines.of(SCENARIO), run);
        assertEquals(6, comparison.compared());
        List<String> found = comparison.disagreements().stream()
                .map(d -> d.step() + " " + d.field() + " " + d.engine() + " " + d.kernel())
                .toList();
        assertEquals(
                List.of(
                        "2 value.driver \"e1000e\" null",
                        "3 result \"ENOENT\" \"EBUSY\"",
                        "6 value.devices [{\"device\":\"0000:00:03.0\",\"driver\":\"e1000e\"},{\"device\":\"0000:00:03.1\",\"driver\":null}]"
                                + " [{\"device\":\"0000:00:03.0\",\"driver\":null},{\"device\":\"0000:00:03.1\",\"driver\":null}]"),
                found);
        assertEquals(3, comparison.agreeing());
        assertFalse(comparison.agrees());
    }

    @Test
    void twoKernelsAreComparedWithEachOtherStepByStep() throws NotRealisable {
        GuestLayout layout = GuestLayout.of(SCENARIO);
        Kernel older = new Kernel("older", "6.1.0", Path.of("a"), Optional.empty(), true);
        AgentAnswers first = answers(
                "R 1 ok",
                "R 2 ok driver=virtio-pci",
                "R 3 ENOENT",
                "R 4 ok",
                "R 5 ok id=1",
                "R 6 ok devices=0000:00:03.0:virtio-pci,0000:00:03.1:none",
                "END");
        AgentAnswers second = answers(
                "R 1 ok",
                "R 2 ok driver=virtio-pci",
                "R 3 ENODEV",
                "R 4 ok",
                "R 5 ok id=1",
                "R 6 ok devices=0000:00:03.0:virtio-pci,0000:00:03.1:none",
                "END");
        KernelRun one = new KernelRun(
                "test.json",
                older,
                KernelLines.of(SCENARIO, layout, first, "older"),
                first,
                List.of(),
                Optional.empty(),
                Duration.ZERO);
        KernelRun other = new KernelRun(
                "test.json",
                KERNEL,
                KernelLines.of(SCENARIO, layout, second, KERNEL.name()),
                second,
                List.of("group 1 split"),
                Optional.empty(),
                Duration.ZERO);

        FileComparison comparison = Comparison.ofKernels(SCENARIO, one, other);

        assertEquals("older vs test-kernel", comparison.kernel());
        assertEquals(
                List.of("3 result \"ENOENT\" \"ENODEV\""),
                comparison.disagreements().stream()
                        .map(d -> d.step() + " " + d.field() + " " + d.engine() + " " + d.kernel())
                        .toList());
        assertEquals(List.of("test-kernel: group 1 split"), comparison.topologyDifferences());
        assertEquals(5, comparison.agreeing());
    }
}
