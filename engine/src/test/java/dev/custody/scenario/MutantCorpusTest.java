package dev.custody.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.api.ModelEngine;
import dev.custody.rules.Mutant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The scenario corpus catches every mutant: run with one wrong rule switched on, at least one
 * file's recorded expectations (the kernel's answers, for the files `custody oracle` checks) or
 * invariants fail. So the corpus, and through it the oracle, would notice each of these bugs, not
 * only the stress run. docs/BENCHMARKS.md lists how many files catch each mutant.
 */
class MutantCorpusTest {
    private static final List<Path> DIRECTORIES =
            List.of(Path.of("src/test/resources/scenarios"), Path.of("../examples"), Path.of("../oracle/recorded"));

    private static List<Scenario> corpus;

    @BeforeAll
    static void readCorpus() throws IOException {
        corpus = new ArrayList<>();
        for (Path directory : DIRECTORIES) {
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".json"))
                        .sorted()
                        .toList()) {
                    corpus.add(ScenarioParser.parse(file.toString(), Files.readString(file)));
                }
            }
        }
        assertTrue(corpus.size() > 50, "expected the scenario corpus, found " + corpus.size() + " files");
    }

    @ParameterizedTest
    @EnumSource(Mutant.class)
    void someScenarioFailsWithTheMutantOn(Mutant mutant) {
        List<String> failing = failingFiles(Set.of(mutant));
        System.out.printf(
                "mutant %-30s caught by %2d of %d scenario files%n", mutant.cliName(), failing.size(), corpus.size());
        // such a mutant differs from the model only where the model departs from the kernel on purpose,
        // so a file that caught it would disagree with the kernel; the reason never outlives itself
        if (mutant.whyTheKernelCannotTell().isPresent()) {
            assertEquals(List.of(), failing, mutant + " is said to be invisible to the kernel, yet files catch it");
            return;
        }
        assertTrue(!failing.isEmpty(), "no scenario notices " + mutant.cliName() + ": " + mutant.description());
    }

    @Test
    void theCorrectRulesPassTheWholeCorpus() {
        assertEquals(List.of(), failingFiles(Set.of()));
    }

    private static List<String> failingFiles(Set<Mutant> mutants) {
        List<String> failing = new ArrayList<>();
        for (Scenario scenario : corpus) {
            ScenarioRunner.Summary summary;
            try {
                summary = ScenarioRunner.run(scenario, new ModelEngine(mutants), line -> {});
            } catch (RuntimeException crashed) {
                // a wrong rule may reach a state the model cannot go on from: the scenario noticed
                failing.add(scenario.name());
                continue;
            }
            if (!summary.passed()) {
                failing.add(scenario.name());
            }
        }
        return failing;
    }
}
