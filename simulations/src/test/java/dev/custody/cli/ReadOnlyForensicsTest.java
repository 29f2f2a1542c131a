package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.crash.CrashSettings;
import dev.custody.crash.CrashTest;
import dev.custody.persistence.Journals;
import dev.custody.persistence.SchemaCreator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The investigators' tools do not write to the evidence: on a journal the crash workload wrote and a
 * SIGKILL left, {@code custody inspect} and {@code custody replay} (every kind of output) leave every
 * file of the journal's directory with the SHA-256 it had, and add none.
 */
class ReadOnlyForensicsTest {

    @TempDir
    Path data;

    @Test
    @Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
    void inspectAndReplayLeaveACrashedJournalByteForByteUnchanged() throws Exception {
        Path directory = data.resolve("journal");
        var journal = Journals.h2(directory);
        SchemaCreator.createIfMissing(journal);
        var progress = new ByteArrayOutputStream();
        Map<String, Object> crash = new CrashTest(
                        new CrashSettings(
                                1,
                                7,
                                "h2:" + directory,
                                journal,
                                data.resolve("crash-test"),
                                Optional.of(directory.resolve(Journals.H2_FILE + ".mv.db")),
                                false,
                                "custody",
                                6),
                        new PrintStream(progress, true, StandardCharsets.UTF_8))
                .run();
        assertEquals(1, crash.get("kills"), progress.toString(StandardCharsets.UTF_8));

        Map<String, String> before = checksums(directory);
        String spelling = "h2:" + directory;
        for (String[] command : new String[][] {
            {"inspect", "--journal", spelling},
            {"inspect", "--journal", spelling, "--json"},
            {"replay", "--journal", spelling},
            {"replay", "--journal", spelling, "--json", "--at", "2"},
            {
                "replay",
                "--journal",
                spelling,
                "--group",
                "1",
                "--report",
                data.resolve("report.html").toString()
            },
        }) {
            CliRun run = CliRun.of(command);
            assertEquals(0, run.status(), String.join(" ", command) + ": " + run.err());
            assertEquals(before, checksums(directory), String.join(" ", command) + " changed the journal");
        }
        assertTrue(before.containsKey(Journals.H2_FILE + ".mv.db"), before.toString());
    }

    /** Every file under {@code directory} by relative name, with its SHA-256. */
    private static Map<String, String> checksums(Path directory) {
        Map<String, String> sums = new TreeMap<>();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                sums.put(
                        directory.relativize(file).toString(),
                        HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return sums;
    }
}
