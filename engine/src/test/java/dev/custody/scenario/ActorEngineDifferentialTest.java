package dev.custody.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.ActorEngine;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.ModelEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every scenario file of the repository, run through the journaled actors, prints exactly the
 * lines the pure model prints: the actors add durability, never a different answer.
 */
class ActorEngineDifferentialTest {
    private static CustodyRuntime runtime;

    @BeforeAll
    static void startRuntime() {
        runtime = CustodyRuntime.start(CustodyRuntime.inMemoryJournal());
    }

    @AfterAll
    static void stopRuntime() {
        runtime.close();
    }

    @TestFactory
    Stream<DynamicTest> actorsAnswerLikeTheModel() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Path.of("src/test/resources/scenarios"), Path.of("../examples"))) {
            try (Stream<Path> listed = Files.list(dir)) {
                listed.filter(p -> p.toString().endsWith(".json")).sorted().forEach(files::add);
            }
        }
        assertTrue(files.size() > 50, "expected the scenario corpus");
        return files.stream()
                .map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
                    Scenario scenario = ScenarioParser.parse(file.toString(), Files.readString(file));
                    List<ObjectNode> model = new ArrayList<>();
                    ScenarioRunner.run(scenario, new ModelEngine(), model::add);
                    List<ObjectNode> actors = new ArrayList<>();
                    String instance = "diff-" + file.getFileName().toString().replace(".json", "");
                    ScenarioRunner.run(
                            scenario, new ActorEngine(runtime, instance, Duration.ofSeconds(20)), actors::add);
                    assertEquals(model.size(), actors.size(), file + ": line count");
                    for (int i = 0; i < model.size(); i++) {
                        assertEquals(model.get(i), actors.get(i), file + ": line " + (i + 1));
                    }
                }));
    }
}
