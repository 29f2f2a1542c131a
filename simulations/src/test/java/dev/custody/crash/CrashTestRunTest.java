package dev.custody.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.persistence.Journals;
import dev.custody.persistence.SchemaCreator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SIGKILL mode on an H2 journal: three cycles of the race lose nothing acknowledged and break
 * nothing; a torn tail is reported with what H2 did.
 */
class CrashTestRunTest {

    @TempDir
    Path data;

    @Test
    @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
    void threeKillsLoseNothingAcknowledged() throws Exception {
        var journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        var settings = new CrashSettings(
                3,
                42,
                "h2:" + data,
                journal,
                data.resolve("crash-test"),
                Optional.of(data.resolve(Journals.H2_FILE + ".mv.db")),
                false,
                "custody",
                6);
        var progress = new ByteArrayOutputStream();
        var trace = new ByteArrayOutputStream();
        CrashTest test = new CrashTest(settings, new PrintStream(progress, true, StandardCharsets.UTF_8));
        test.traceTo(trace);
        Map<String, Object> summary = test.run();
        String log = progress.toString(StandardCharsets.UTF_8);
        assertEquals(3, summary.get("cycles"), log);
        assertEquals(3, summary.get("kills"), log);
        assertEquals("written", summary.get("trace"), log);
        var contents = dev.custody.trace.TraceEventFormat.check(
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(trace.toByteArray()));
        List<String> kills = contents.onTrack("decisions", "run").stream()
                .map(e -> e.get("name").asText())
                .filter(n -> n.matches("cycle \\d+: SIGKILL"))
                .toList();
        assertEquals(3, kills.size(), "each kill is marked: " + contents.onTrack("decisions", "run"));
        assertTrue(
                contents.otherData().get("decisions").asInt() > 3,
                contents.otherData().toString());
        assertEquals(0, summary.get("lost"), log);
        assertEquals(0, summary.get("violations"), log);
        assertTrue(((Number) summary.get("acknowledged")).intValue() > 0, log);
        assertEquals(42L, summary.get("seed"));
    }

    @Test
    @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
    void aTornTailIsReportedWithWhatH2Did() throws Exception {
        var journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        var settings = new CrashSettings(
                2,
                7,
                "h2:" + data,
                journal,
                data.resolve("crash-test"),
                Optional.of(data.resolve(Journals.H2_FILE + ".mv.db")),
                true,
                "custody",
                6);
        var progress = new ByteArrayOutputStream();
        Map<String, Object> summary =
                new CrashTest(settings, new PrintStream(progress, true, StandardCharsets.UTF_8)).run();
        String log = progress.toString(StandardCharsets.UTF_8);

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> perCycle = (List<Map<String, Object>>) summary.get("perCycle");
        @SuppressWarnings("unchecked")
        Map<String, Object> torn = (Map<String, Object>) perCycle.getFirst().get("tornTail");
        assertNotNull(torn, "the torn tail follows cycle 1 of 2: " + log);
        assertEquals(List.of(torn), summary.get("tornTail"));
        assertEquals(1, torn.get("afterCycle"));
        assertEquals(4096L, torn.get("bytesOverwritten"));
        String outcome = (String) torn.get("outcome");
        switch (outcome) {
            case "recovered" -> assertEquals(List.of(), torn.get("missingOperations"), log);
            case "recovered-differently" ->
                assertFalse(
                        ((List<?>) torn.get("missingOperations")).isEmpty()
                                && ((List<?>) torn.get("problems")).isEmpty(),
                        "recovered differently says how: " + log);
            case "refused" -> assertFalse(((String) torn.get("message")).isBlank(), "H2's message: " + log);
            default -> throw new AssertionError("a torn tail recovers or is refused, not " + outcome + ": " + log);
        }
        assertTrue(log.contains("  torn tail after cycle 1 (4096 bytes overwritten): " + outcome), log);
        assertEquals(2, summary.get("cycles"), log);
        assertEquals(0, summary.get("lost"), "the intact file is put back: " + log);
    }
}
