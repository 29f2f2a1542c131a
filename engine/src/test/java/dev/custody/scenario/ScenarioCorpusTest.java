package dev.custody.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every scenario file of the repository runs through the pure model and must hold every
 * expectation with no kernel invariant broken: the conformance cases, the rule families, the examples,
 * and the walks recorded against the real kernel.
 */
class ScenarioCorpusTest {
    private static final Path CORPUS = Path.of("src/test/resources/scenarios");
    private static final Path EXAMPLES = Path.of("../examples");
    /** Random walks whose expectations are the real kernel's answers (`custody oracle diff --record`). */
    private static final Path KERNEL_RECORDED = Path.of("../oracle/recorded");

    @TestFactory
    Stream<DynamicTest> everyScenarioHolds() throws IOException {
        List<Path> files = new ArrayList<>(list(CORPUS));
        files.addAll(list(EXAMPLES));
        files.addAll(list(KERNEL_RECORDED));
        assertTrue(files.size() > 50, "expected the scenario corpus, found " + files.size() + " files");
        return files.stream()
                .map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
                    Scenario scenario = ScenarioParser.parse(file.toString(), Files.readString(file));
                    List<ObjectNode> lines = new ArrayList<>();
                    RefusalsChangeNothing engine = new RefusalsChangeNothing();
                    ScenarioRunner.Summary summary = ScenarioRunner.run(scenario, engine, lines::add);
                    assertEquals(List.of(), engine.broken(), file + ": a refused call changed the kernel");
                    if (!summary.passed()) {
                        StringBuilder why = new StringBuilder(file + ": " + summary.mismatches() + " mismatches, "
                                + summary.violations() + " invariant violations\n");
                        lines.stream()
                                .filter(l -> l.path("match").asBoolean(true) == false || l.has("violations"))
                                .forEach(l -> why.append("  ").append(l).append('\n'));
                        fail(why.toString());
                    }
                }));
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }
}
