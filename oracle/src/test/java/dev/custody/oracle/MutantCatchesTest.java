package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.ops.NotRealisable;
import dev.custody.oracle.vm.Kernel;
import dev.custody.rules.Mutant;
import dev.custody.scenario.Scenario;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The check behind {@code custody oracle diff --mutants}, without a VM: a stand-in kernel that answers
 * as the correct model does, results and completions only. On the files the oracle runs in CI the real
 * kernel answers exactly so (scripts/oracle-ci.sh fails otherwise); the VM run also compares the values
 * the guest reports, so it can only catch more, and CI runs it.
 */
class MutantCatchesTest {
    private static final List<Path> CORPUS =
            List.of(Path.of("../engine/src/test/resources/scenarios"), Path.of("../examples"), Path.of("recorded"));
    private static final Kernel KERNEL = new Kernel("stand-in", "6.12.0", Path.of("bzImage"), Optional.empty(), true);

    @Test
    void theKernelsAnswersOnTheRealisableCorpusCatchEveryMutantNotSaidToBeUnseen() throws IOException {
        AllowedSkips notRealisable = AllowedSkips.listedIn(Path.of("not-realisable.txt"));
        MutantCatches catches = new MutantCatches();
        int files = 0;
        List<Scenario> ciRun = new ArrayList<>(corpus());
        // the random walks scripts/oracle-ci.sh adds: 24 of seed 2026, 150 steps each
        ciRun.addAll(RandomWalkScenarios.generate(24, 2026, 150));
        for (Scenario scenario : ciRun) {
            if (notRealisable.allows(scenario.source()).isPresent() || !realisable(scenario)) {
                continue;
            }
            KernelRun standIn = answeringAsTheModel(scenario);
            assertEquals(
                    List.of(),
                    Comparison.of(scenario, EngineLines.of(scenario), standIn).disagreements(),
                    scenario.source() + ": the stand-in must agree with the correct model");
            catches.add(scenario, standIn);
            files++;
        }
        assertTrue(files > 50, "expected the realisable corpus, found " + files + " files");
        assertEquals(List.of(), catches.problems());
        for (Mutant mutant : Mutant.values()) {
            assertEquals(
                    MutantCatches.whyUnseen(mutant).isPresent(),
                    catches.caughtBy(mutant).isEmpty(),
                    mutant.cliName() + ": " + catches.caughtBy(mutant));
        }
    }

    @Test
    void aMutantNoFileCatchesFailsTheCheckByName() {
        Scenario bindOnly = OracleScenarios.withSteps(
                "{ \"op\": \"driver.bind\", \"device\": \"0000:00:04.0\", \"driver\": \"nvme\" }");
        MutantCatches catches = new MutantCatches();
        catches.add(bindOnly, answeringAsTheModel(bindOnly));

        List<String> problems = catches.problems();
        assertFalse(problems.isEmpty());
        assertTrue(
                problems.stream()
                        .anyMatch(p -> p.startsWith("mutant free-attached-domain ")
                                && p.contains("agrees with the kernel on all 1 files")),
                problems.toString());
        assertTrue(
                problems.stream().noneMatch(p -> p.contains(Mutant.UNUSE_IGNORES_COUNT.cliName())),
                problems.toString());
    }

    /** Where the correct model already disagrees with the kernel, a mutant's disagreeing tells nothing. */
    @Test
    void aFileTheCorrectModelDisagreesOnCountsForNothing() {
        Scenario bindOnly = OracleScenarios.withSteps(
                "{ \"op\": \"driver.bind\", \"device\": \"0000:00:04.0\", \"driver\": \"nvme\" }");
        KernelRun agreeing = answeringAsTheModel(bindOnly);
        List<ObjectNode> lines = new ArrayList<>(agreeing.lines());
        lines.set(0, lines.get(0).deepCopy().put("result", "EBUSY"));
        KernelRun disagreeing = new KernelRun(
                "test.json", KERNEL, lines, AgentAnswers.parse(List.of()), List.of(), Optional.empty(), Duration.ZERO);
        MutantCatches catches = new MutantCatches();
        catches.add(bindOnly, disagreeing);
        assertEquals(0, catches.json().get("files").asInt());
        for (Mutant mutant : Mutant.values()) {
            assertEquals(List.of(), catches.caughtBy(mutant), mutant.cliName());
        }
    }

    @Test
    void aRunThatFailedCountsForNothing() {
        Scenario bindOnly = OracleScenarios.withSteps(
                "{ \"op\": \"driver.bind\", \"device\": \"0000:00:04.0\", \"driver\": \"nvme\" }");
        MutantCatches catches = new MutantCatches();
        catches.add(
                bindOnly,
                new KernelRun(
                        "test.json",
                        KERNEL,
                        List.of(),
                        AgentAnswers.parse(List.of()),
                        List.of(),
                        Optional.of("no boot"),
                        Duration.ZERO));
        assertEquals(List.of(), catches.problems(), "no usable run, so nothing to hold against any mutant");
        assertEquals(0, catches.json().get("files").asInt());
    }

    /**
     * A kernel run whose results and completions are the correct model's, with the summary line the
     * runner appends. Values are left out: the guest reports only some of them for each operation, and
     * a stand-in that reported all would catch mutants the real kernel run cannot.
     */
    private static KernelRun answeringAsTheModel(Scenario scenario) {
        List<ObjectNode> lines = new ArrayList<>();
        for (ObjectNode line : EngineLines.of(scenario)) {
            ObjectNode kernel = line.deepCopy();
            kernel.remove("value");
            lines.add(kernel);
        }
        lines.add(JsonNodeFactory.instance.objectNode().put("summary", true));
        return new KernelRun(
                scenario.source(),
                KERNEL,
                lines,
                AgentAnswers.parse(List.of()),
                List.of(),
                Optional.empty(),
                Duration.ZERO);
    }

    /** What the oracle finds it cannot run before it picks a kernel (the CI kernel has the rest). */
    private static boolean realisable(Scenario scenario) {
        try {
            GuestScript.of(scenario, GuestLayout.of(scenario));
            return true;
        } catch (NotRealisable why) {
            return false;
        }
    }

    private static List<Scenario> corpus() throws IOException {
        List<Scenario> scenarios = new ArrayList<>();
        for (Path directory : CORPUS) {
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".json"))
                        .sorted()
                        .toList()) {
                    scenarios.add(ScenarioFiles.parse(file));
                }
            }
        }
        return scenarios;
    }
}
