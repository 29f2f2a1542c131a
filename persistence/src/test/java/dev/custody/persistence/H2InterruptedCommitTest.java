package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal that never started again: a crash inside an H2 commit left an entity's row committed
 * (H2's undo log says so) but still stored as uncommitted. H2 2.5.252 registers such a transaction as
 * committed when it opens the file and then never finishes it, so the row stays invisible and locked
 * for good: the entity recovers without it, is sent the decision again, and its insert of the same
 * persistence id and sequence number waits for the dead transaction until the lock times out
 * ("Concurrent update in table event_journal"), on every start.
 */
class H2InterruptedCommitTest {
    private static final String ROW =
            "insert into \"event_journal\" (\"persistence_id\", \"sequence_number\", \"writer\", "
                    + "\"write_timestamp\", \"adapter_manifest\", \"event_payload\", \"event_ser_id\", \"event_ser_manifest\") "
                    + "values ('custody|device|0000:00:04.1', %d, 'w', 0, '', X'01', 1, 'm')";

    @TempDir
    Path data;

    @Test
    void h2AloneLeavesTheCommittedRowLockedAndInvisible() throws Exception {
        String url = journalWithAnInterruptedCommit();
        try (Connection plain = DriverManager.getConnection(url + ";LOCK_TIMEOUT=200", "sa", "")) {
            assertEquals(0, rows(plain), "H2 does not show the row its undo log says is committed");
            SQLException insert = assertThrows(SQLException.class, () -> insert(plain, 14));
            assertTrue(insert.getMessage().contains("Timeout trying to lock table"), insert.getMessage());
        }
    }

    @Test
    void preparingTheJournalFinishesTheCommitSoTheRowIsThereAndTheNextOneCanBeWritten() throws Exception {
        String url = journalWithAnInterruptedCommit();
        SchemaCreator.createIfMissing(Journals.h2(data)); // what every start on a JDBC journal runs first
        try (Connection connection = DriverManager.getConnection(url + ";LOCK_TIMEOUT=200", "sa", "")) {
            assertEquals(1, rows(connection), "the committed row is visible");
            insert(connection, 15);
            assertEquals(2, rows(connection));
            SQLException again = assertThrows(SQLException.class, () -> insert(connection, 14));
            assertEquals(
                    "23505",
                    again.getSQLState(),
                    "the same row again is a duplicate, not a lock wait: " + again.getMessage());
        }
    }

    @Test
    void whatWasFinishedNamesTheRow() throws Exception {
        String url = journalWithAnInterruptedCommit();
        try (Connection connection = DriverManager.getConnection(url, "sa", "")) {
            var finished = H2InterruptedCommits.finish(connection);
            assertEquals(1, finished.size());
            assertTrue(
                    finished.getFirst().contains("'custody|device|0000:00:04.1', CAST(14 AS BIGINT)"),
                    finished.getFirst());
        }
    }

    private String journalWithAnInterruptedCommit() throws Exception {
        Config journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        String url = journal.getString("pekko-persistence-jdbc.shared-databases.slick.db.url");
        InterruptedH2Commit.leave(url, ROW.formatted(14));
        return url;
    }

    private static void insert(Connection connection, long sequenceNumber) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.executeUpdate(ROW.formatted(sequenceNumber));
        }
    }

    private static int rows(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet count = statement.executeQuery("select count(*) from \"event_journal\" "
                        + "where \"persistence_id\" = 'custody|device|0000:00:04.1'")) {
            count.next();
            return count.getInt(1);
        }
    }
}
