package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A journaled simulation names its journal and instance, and the replay command it prints opens them. */
class SimulateNamesItsJournalTest {
    private static final Pattern REPLAY =
            Pattern.compile("open it with: \\./custody replay (--journal \\S+) (--instance (\\S+))");

    @TempDir
    Path dir;

    @Test
    void theReplayCommandSimulatePrintsOpensWhatItJournaled() throws Exception {
        String journal = "h2:" + dir.resolve("journal");
        CliRun run = CliRun.of(
                "simulate", "--journal", journal, "--seed", "3", "--groups", "4", "--ops", "200", "--no-progress");
        assertEquals(0, run.status(), run.err());
        Matcher printed = REPLAY.matcher(run.out());
        assertTrue(printed.find(), run.out());
        assertTrue(run.out().contains("journal " + journal + ", instance " + printed.group(3)), run.out());

        CliRun replay = CliRun.of("replay", "--journal", journal, "--instance", printed.group(3), "--json");
        assertEquals(0, replay.status(), replay.err());
        JsonNode summary = new ObjectMapper().readTree(replay.out());
        assertTrue(summary.toString().contains(printed.group(3)), replay.out());
    }

    @Test
    void theJsonReportCarriesTheInstanceAndTheCommand() throws Exception {
        String journal = "h2:" + dir.resolve("journal");
        CliRun run =
                CliRun.of("simulate", "--journal", journal, "--seed", "3", "--groups", "4", "--ops", "100", "--json");
        assertEquals(0, run.status(), run.err());
        JsonNode report = new ObjectMapper().readTree(run.out());
        String instance = report.get("instance").asText();
        assertTrue(instance.startsWith("sim-"), instance);
        assertEquals(
                "./custody replay --journal " + journal + " --instance " + instance,
                report.get("replay").asText());
    }

    @Test
    void anInMemoryRunSaysItsJournalIsGoneWithTheProcess() {
        CliRun run = CliRun.of(
                "simulate", "--journal", "memory", "--seed", "3", "--groups", "4", "--ops", "50", "--no-progress");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("(in memory: gone with this process)"), run.out());
        assertTrue(!run.out().contains("./custody replay"), run.out());
    }
}
