package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The options of {@code custody crash-test} that cannot go together are refused before anything runs. */
class CrashTestCommandTest {
    @TempDir
    Path dir;

    @Test
    void powerLossNeedsAnH2JournalItCanPutOnTheVmsDisk() {
        CliRun run = CliRun.of("crash-test", "--power-loss", "--journal", "jdbc:postgresql://127.0.0.1:9/none");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("--power-loss puts an H2 journal on the VM's disk"), run.err());
    }

    @Test
    void aTornTailDoesNotCombineWithPowerLoss() throws Exception {
        CliRun run = CliRun.of("crash-test", "--power-loss", "--torn-tail", "--journal", "h2:" + dir);
        assertEquals(2, run.status());
        assertTrue(run.err().contains("does not combine with --power-loss"), run.err());
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "nothing was created");
        }
    }

    @Test
    void aTornTailNeedsAnH2File() {
        CliRun run = CliRun.of("crash-test", "--torn-tail", "--journal", "jdbc:postgresql://127.0.0.1:9/none");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("--torn-tail tears an H2 file"), run.err());
    }

    @Test
    void aTraceInAMissingDirectoryIsRefusedBeforeAnyChildStarts() throws Exception {
        CliRun run = CliRun.of(
                "crash-test",
                "--cycles",
                "1",
                "--journal",
                "h2:" + dir,
                "--trace",
                dir.resolve("missing/t.json").toString());
        assertEquals(2, run.status(), run.out() + run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(
                run.err().startsWith("custody crash-test: --trace ")
                        && run.err().contains("does not exist"),
                run.err());
        assertEquals("", run.out(), "nothing ran");
        try (var left = Files.list(dir)) {
            assertEquals(java.util.List.of(), left.toList(), "no journal, no logs, no trace");
        }
    }
}
