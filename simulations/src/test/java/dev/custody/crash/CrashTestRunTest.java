package dev.custody.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.persistence.Journals;
import dev.custody.persistence.SchemaCreator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Three SIGKILL cycles of the race on an H2 journal: nothing acknowledged may be lost, nothing broken. */
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
        Map<String, Object> summary =
                new CrashTest(settings, new PrintStream(progress, true, StandardCharsets.UTF_8)).run();
        String log = progress.toString(StandardCharsets.UTF_8);
        assertEquals(3, summary.get("cycles"), log);
        assertEquals(3, summary.get("kills"), log);
        assertEquals(0, summary.get("lost"), log);
        assertEquals(0, summary.get("violations"), log);
        assertTrue(((Number) summary.get("acknowledged")).intValue() > 0, log);
        assertEquals(42L, summary.get("seed"));
    }
}
