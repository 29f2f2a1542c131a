package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal written by an earlier version (a crash-test run, killed mid-race, then recovered) must stay
 * readable: replay reads it with the same decisions and the same final state.
 */
class GoldenJournalTest {

    @TempDir
    Path data;

    @Test
    void theCommittedJournalReplaysToTheSameState() throws Exception {
        // a copy: opening an H2 file may write to it, and the fixture must stay as committed
        try (InputStream golden = getClass().getResourceAsStream("/golden-journal/custody-journal.mv.db")) {
            Files.copy(golden, data.resolve("custody-journal.mv.db"));
        }
        CliRun run = CliRun.of("replay", "--journal", "h2:" + data);
        assertEquals(0, run.status(), run.err());
        assertTrue(
                run.out()
                        .contains("instance custody: 8 decisions, 72 events, 0 commands that changed nothing, "
                                + "0 open (taken, not yet applied), "
                                // the digest hashes the state's text, which names every field: it
                                // changed when devices gained PCI ids, the state dynamic ids and
                                // drivers id tables, all empty in this journal
                                + "0 violations; state ec3198521f9f6eb9e8982a31"),
                run.out());
    }
}
