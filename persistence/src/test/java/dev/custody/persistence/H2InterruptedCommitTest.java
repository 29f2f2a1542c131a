package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
 * (H2's undo log says so) but still stored as uncommitted. H2 2.5.252 registered such a transaction as
 * committed when it opened the file and then never finished it, so the row stayed invisible and
 * locked for good: the entity recovered without it, was sent the decision again, and its insert of the
 * same persistence id and sequence number waited for the dead transaction until the lock timed out
 * ("Concurrent update in table event_journal"), on every start. H2 2.3.232, which the build pins,
 * finishes the commit when it opens the file; these tests fail on an H2 that does not.
 */
class H2InterruptedCommitTest {
    private static final String ROW =
            "insert into \"event_journal\" (\"persistence_id\", \"sequence_number\", \"writer\", "
                    + "\"write_timestamp\", \"adapter_manifest\", \"event_payload\", \"event_ser_id\", \"event_ser_manifest\") "
                    + "values ('custody|device|0000:00:04.1', %d, 'w', 0, '', X'01', 1, 'm')";

    @TempDir
    Path data;

    @Test
    void h2FinishesTheCommitWhenItOpensTheFileSoTheRowIsThereAndTheNextOneCanBeWritten() throws Exception {
        String url = journalWithAnInterruptedCommit();
        try (Connection connection = DriverManager.getConnection(url + ";LOCK_TIMEOUT=200", "sa", "")) {
            assertEquals(1, rows(connection), "the row H2's undo log says is committed is visible");
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
    void theJournalsStartOnSuchAFileWritesTheNextRow() throws Exception {
        String url = journalWithAnInterruptedCommit();
        SchemaCreator.createIfMissing(Journals.h2(data)); // what every start on a JDBC journal runs first
        try (Connection connection = DriverManager.getConnection(url + ";LOCK_TIMEOUT=200", "sa", "")) {
            insert(connection, 15);
            assertEquals(2, rows(connection));
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
