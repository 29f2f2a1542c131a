package dev.custody.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.custody.persistence.Journals;
import dev.custody.persistence.SchemaCreator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine that never finishes its recovery: every cycle reports it as a violation naming what did not
 * happen and after which kill, and the run stops cleanly after a few such cycles instead of hanging.
 */
class CrashTestStuckEngineTest {
    private static final Duration BOUND = Duration.ofMillis(300);

    @TempDir
    Path data;

    /** Children that begin their recovery and never end it. */
    private final class StuckMode implements CrashMode {
        final List<ScriptedChild> started = new ArrayList<>();
        final Config journal;

        StuckMode(Config journal) {
            this.journal = journal;
        }

        @Override
        public String killName() {
            return "SIGKILL";
        }

        @Override
        public Bounds bounds() {
            return new Bounds(BOUND, BOUND, BOUND, BOUND, BOUND);
        }

        @Override
        public String journalSpelling() {
            return "h2:" + data;
        }

        @Override
        public WorkloadChild start(List<String> workloadArguments, String name) {
            ScriptedChild child = ScriptedChild.hanging("RECOVERING\n");
            started.add(child);
            return child;
        }

        @Override
        public Config journalAfterKill() {
            return journal;
        }
    }

    @Test
    @Timeout(60)
    void aStuckRecoveryIsAViolationWithAClearMessageAndTheRunStops() throws Exception {
        Config journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        CrashSettings settings = new CrashSettings(
                20, 3, "h2:" + data, journal, data.resolve("crash-test"), Optional.empty(), false, "custody", 4);
        StuckMode mode = new StuckMode(journal);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        Map<String, Object> summary =
                new CrashTest(settings, mode, new PrintStream(progress, true, StandardCharsets.UTF_8)).run();

        String log = progress.toString(StandardCharsets.UTF_8);
        assertEquals(CrashTest.STOP_AFTER_UNRECOVERED, summary.get("cycles"), log);
        assertEquals("the engine did not recover in 3 cycles in a row (cycles 1 to 3)", summary.get("stoppedEarly"));
        @SuppressWarnings("unchecked")
        List<String> violations = (List<String>) summary.get("violationMessages");
        assertTrue(
                violations.contains("the engine did not finish recovery within 300 ms in cycle 1: "
                        + "Exception in thread \"main\" java.lang.IllegalStateException: stuck"),
                log);
        assertTrue(
                violations.contains("the engine did not finish recovery within 300 ms after cycle 2's SIGKILL: "
                        + "Exception in thread \"main\" java.lang.IllegalStateException: stuck"),
                log);
        assertTrue(
                violations.contains("the engine did not finish recovery within 300 ms in the final clean recovery,"
                        + " after cycle 3's SIGKILL"),
                log);
        assertFalse(CrashTest.passed(summary));
        assertEquals(4, mode.started.size(), "three cycles and the final recovery");
        assertTrue(mode.started.stream().allMatch(ScriptedChild::killed), "every stuck child was killed");
        assertTrue(log.contains("stopping early: the engine did not recover in 3 cycles in a row"), log);
    }
}
