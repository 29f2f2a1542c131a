package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.persistence.Journals;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A second process on an embedded H2 journal that another one holds is bad input: one line, exit 2. */
class JournalInUseTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // the child's start and the simulate's refusal
    void aJournalHeldByAnotherProcessIsNamedAndNothingRuns() throws Exception {
        Path database = dir.resolve(Journals.H2_FILE);
        Process holder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        HoldH2Open.class.getName(),
                        database.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            var said = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("open", said.readLine(), "the holder opened the file");
            long before = Files.size(dir.resolve(Journals.H2_FILE + ".mv.db"));

            CliRun run = CliRun.of(
                    "simulate",
                    "--journal",
                    "h2:" + dir,
                    "--seed",
                    "1",
                    "--groups",
                    "4",
                    "--ops",
                    "20",
                    "--no-progress");
            assertEquals(2, run.status(), run.out() + run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().contains("is open in another process"), run.err());
            assertTrue(run.err().contains(dir.toString()), "names the journal: " + run.err());
            assertEquals(before, Files.size(dir.resolve(Journals.H2_FILE + ".mv.db")), "nothing written");
        } finally {
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS), "the holder let go once its input closed");
        }
    }
}
