package dev.custody.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.ModelEngine;
import dev.custody.persistence.Journals;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.ScenarioParser;
import dev.custody.scenario.ScenarioRunner;
import dev.custody.scenario.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every scenario of the corpus and of examples/, replayed over the control socket one request per
 * step: each answer carries what {@code custody scenario run} prints for that step (result, value,
 * reason, state, completes).
 */
class ScenarioCorpusOverSocketTest {
    /** Step fields that are expectations or notes, not arguments. */
    private static final Set<String> NOT_ARGUMENTS =
            Set.of("op", "as", "expect", "expectValue", "expectState", "completes", "comment", "description");

    private static CustodyRuntime runtime;

    @BeforeAll
    static void startRuntime() {
        runtime = CustodyRuntime.start(Journals.inMemory());
    }

    @AfterAll
    static void stopRuntime() {
        runtime.close();
    }

    static Stream<Path> files() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(root.resolve("engine/src/test/resources/scenarios"), root.resolve("examples"))) {
            try (Stream<Path> list = Files.list(dir)) {
                list.filter(p -> p.toString().endsWith(".json")).sorted().forEach(files::add);
            }
        }
        assertTrue(files.size() > 50, "the corpus was not found under " + root);
        return files.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    @Timeout(120)
    void everyStepAnswersAsScenarioRunPrintsIt(Path file) throws Exception {
        Scenario scenario = ScenarioParser.parse(file.getFileName().toString(), Files.readString(file));
        List<ObjectNode> expected = new ArrayList<>();
        ScenarioRunner.run(scenario, new ModelEngine(), expected::add);
        try (ServerFixture fixture = ServerFixture.on(runtime, scenario.topology());
                TestClient client = fixture.client()) {
            for (Step step : scenario.steps()) {
                ObjectNode request = TestClient.JSON.createObjectNode();
                request.put("execute", step.op());
                ObjectNode arguments = request.putObject("arguments");
                step.node().properties().forEach(field -> {
                    if (!NOT_ARGUMENTS.contains(field.getKey())) {
                        arguments.set(field.getKey(), field.getValue());
                    }
                });
                step.as().ifPresent(as -> request.put("as", as));
                request.put("id", step.number());
                JsonNode answer = client.call(request);
                assertEquals(step.number(), answer.path("id").asInt(), "the answer's id");
                compare(file + " step " + step.number(), expected.get(step.number() - 1), answer);
            }
        }
    }

    private static void compare(String where, ObjectNode printed, JsonNode answer) throws Exception {
        // as scenario run prints it: numbers read back from the text, as a client reads the answer
        JsonNode line = TestClient.JSON.readTree(TestClient.JSON.writeValueAsString(printed));
        String result = line.get("result").asText();
        boolean failed = answer.has("error");
        JsonNode body = failed ? answer.get("error") : answer.get("return");
        assertTrue(body != null && body.isObject(), where + ": no return or error in " + answer);
        String answered = failed
                ? body.path("class").asText()
                : body.path("pending").asBoolean() ? "PENDING" : body.has("warning") ? "WARN" : "ok";
        assertEquals(result, answered, where + ": result, answer " + answer);
        String reason = failed
                ? body.path("desc").asText(null)
                : body.has("warning")
                        ? body.path("warning").asText()
                        : body.path("reason").asText(null);
        assertEquals(line.path("reason").asText(null), reason, where + ": reason");
        assertEquals(line.get("value"), body.get("value"), where + ": value");
        assertEquals(line.get("state"), body.get("state"), where + ": state");
        assertEquals(line.get("completes"), body.get("completes"), where + ": completes");
    }
}
