package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;

/** An H2 journal's rows torn as a write cut short leaves them: what a stuck entity is made of in tests. */
final class TornRows {
    private TornRows() {}

    /** The last sequence number of {@code persistenceId}'s rows, which must exist. */
    static long lastRow(Config journal, String persistenceId) throws Exception {
        try (Connection connection = connect(journal);
                PreparedStatement read = connection.prepareStatement(
                        "select max(\"sequence_number\") from \"event_journal\" where \"persistence_id\" = ?")) {
            read.setString(1, persistenceId);
            try (ResultSet row = read.executeQuery()) {
                assertTrue(row.next());
                long last = row.getLong(1);
                assertFalse(row.wasNull(), persistenceId + " has rows");
                return last;
            }
        }
    }

    /** The row's payload cut in half, as a torn write leaves it. */
    static void tear(Config journal, String persistenceId, long sequenceNr) throws Exception {
        try (Connection connection = connect(journal);
                PreparedStatement read = connection.prepareStatement("select \"event_payload\" from \"event_journal\""
                        + " where \"persistence_id\" = ? and \"sequence_number\" = ?");
                PreparedStatement write =
                        connection.prepareStatement("update \"event_journal\" set \"event_payload\" = ?"
                                + " where \"persistence_id\" = ? and \"sequence_number\" = ?")) {
            read.setString(1, persistenceId);
            read.setLong(2, sequenceNr);
            byte[] payload;
            try (ResultSet row = read.executeQuery()) {
                assertTrue(row.next(), "row " + sequenceNr);
                payload = row.getBytes(1);
            }
            write.setBytes(1, Arrays.copyOf(payload, payload.length / 2));
            write.setString(2, persistenceId);
            write.setLong(3, sequenceNr);
            assertEquals(1, write.executeUpdate());
        }
    }

    static Connection connect(Config journal) throws Exception {
        return DriverManager.getConnection(
                journal.getString("pekko-persistence-jdbc.shared-databases.slick.db.url"), "sa", "");
    }
}
