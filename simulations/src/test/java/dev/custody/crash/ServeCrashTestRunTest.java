package dev.custody.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * {@code crash-test --serve} on an H2 journal: two SIGKILLs of {@code custody serve} under 16 clients
 * lose no answered decision, every request that got no answer is retried with its opid, every
 * repeated answer equals the first, and the last server stops cleanly with nothing open.
 */
class ServeCrashTestRunTest {

    @TempDir
    Path data;

    @Test
    @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
    void twoKillsOfTheServerLoseNoAnswerAndChangeNoRetry() throws Exception {
        var journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        var settings = new CrashSettings(
                2, 5, "h2:" + data, journal, data.resolve("crash-test"), Optional.empty(), false, "custody", 0);
        var progress = new ByteArrayOutputStream();
        var trace = new ByteArrayOutputStream();
        ServeCrashTest test = new ServeCrashTest(settings, 16, new PrintStream(progress, true, StandardCharsets.UTF_8));
        test.traceTo(trace);
        Map<String, Object> summary = test.run();
        String log = progress.toString(StandardCharsets.UTF_8);
        assertEquals("written", summary.get("trace"), log);
        var contents = dev.custody.trace.TraceEventFormat.check(
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(trace.toByteArray()));
        assertEquals(
                List.of("cycle 1: SIGKILL", "cycle 2: SIGKILL"),
                contents.onTrack("decisions", "run").stream()
                        .map(e -> e.get("name").asText())
                        .filter(n -> n.matches("cycle \\d+: SIGKILL"))
                        .toList(),
                "each kill of the server is marked");

        assertEquals(2, summary.get("cycles"), log);
        assertEquals(2, summary.get("kills"), log);
        assertEquals(0, summary.get("lost"), log);
        assertEquals(0, summary.get("violations"), log);
        assertEquals(0L, summary.get("mismatchedRetries"), log);
        assertTrue(CrashTest.passed(summary), log);
        // a kill leaves each connected client with a request in flight, retried after the restart
        long retries = ((Number) summary.get("retries")).longValue();
        assertTrue(retries > 0 && retries <= 2 * 16, log);
        assertTrue(((Number) summary.get("repeats")).longValue() >= 2 * 16, log);
        assertTrue(((Number) summary.get("acknowledged")).intValue() >= 2 * ServeCrashTest.KILL_AFTER_AT_LEAST, log);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> perCycle = (List<Map<String, Object>>) summary.get("perCycle");
        assertEquals(0L, perCycle.getFirst().get("retries"), "nothing to retry before the first kill: " + log);
        // every client that had reconnected when the last server was killed resends its request: a kill
        // soon after a restart may come before some clients are back, so not always all sixteen
        var finalCheck = java.util.regex.Pattern.compile("final check: resent (\\d+) unanswered")
                .matcher(log);
        assertTrue(finalCheck.find(), log);
        int resent = Integer.parseInt(finalCheck.group(1));
        assertTrue(resent >= 1 && resent <= 16, "resent " + resent + " after the last kill: " + log);
    }
}
