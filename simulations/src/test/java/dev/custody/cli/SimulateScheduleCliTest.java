package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code simulate --schedule} and {@code --refusal-share}: their defaults, their refusals, the coverage they report. */
class SimulateScheduleCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode run(String... options) throws Exception {
        String[] args = new String[options.length + 7];
        System.arraycopy(
                new String[] {"simulate", "--engine", "rules", "--groups", "8", "--ops", "800"}, 0, args, 0, 7);
        System.arraycopy(options, 0, args, 7, options.length);
        CliRun run = CliRun.of(args);
        assertEquals(0, run.status(), run.err());
        return JSON.readTree(run.out());
    }

    @Test
    void aDeterministicRunIsGuidedUnlessToldAndReportsItsCoverage() throws Exception {
        JsonNode guided = run("--deterministic", "--seed", "4", "--json");
        assertEquals("guided", guided.get("schedule").asText());
        JsonNode coverage = guided.get("coverage");
        for (String key : new String[] {"pairs", "triples", "shapes", "branches", "refused"}) {
            assertTrue(coverage.get(key).asInt() > 0, key + " in " + coverage);
        }
        assertTrue(coverage.get("triples").asInt() >= coverage.get("pairs").asInt(), coverage.toString());
        assertEquals(0.2, coverage.get("refusalShare").asDouble());
        assertEquals(160, coverage.get("aimedAtRefusal").asInt(), "a fifth of 800 calls");

        JsonNode random = run("--deterministic", "--seed", "4", "--schedule", "random", "--json");
        assertEquals("random", random.get("schedule").asText());
        assertTrue(random.get("coverage").get("triples").asInt() > 0);
        assertTrue(random.get("coverage").path("refusalShare").isMissingNode(), random.toString());

        JsonNode half = run("--deterministic", "--seed", "4", "--refusal-share", "0.5", "--json");
        assertEquals(400, half.get("coverage").get("aimedAtRefusal").asInt());
    }

    @Test
    void aGuidedScheduleNeedsOneThreadAndAShareBetweenZeroAndOne() {
        CliRun concurrent = CliRun.of("simulate", "--engine", "rules", "--ops", "10", "--schedule", "guided");
        assertEquals(2, concurrent.status(), concurrent.out());
        assertTrue(concurrent.err().contains("--deterministic"), concurrent.err());

        CliRun share =
                CliRun.of("simulate", "--engine", "rules", "--deterministic", "--ops", "10", "--refusal-share", "1.5");
        assertEquals(2, share.status(), share.out());
        assertTrue(share.err().contains("--refusal-share"), share.err());

        CliRun unknown =
                CliRun.of("simulate", "--engine", "rules", "--deterministic", "--ops", "10", "--schedule", "best");
        assertEquals(2, unknown.status(), unknown.out());
        assertTrue(unknown.err().contains("guided or random"), unknown.err());
    }
}
