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
}
