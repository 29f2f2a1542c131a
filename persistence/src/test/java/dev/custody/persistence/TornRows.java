package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An H2 journal's rows torn as a write cut short leaves them: what a stuck entity is made of in tests
 * (this module's, the server's and the crash test's).
 */
public final class TornRows {
    private TornRows() {}

    /** The last sequence number of {@code persistenceId}'s rows, which must exist. */
    public static long lastRow(Config journal, String persistenceId) throws Exception {
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
    public static void tear(Config journal, String persistenceId, long sequenceNr) throws Exception {
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

    public static Connection connect(Config journal) throws Exception {
        return DriverManager.getConnection(
                journal.getString("pekko-persistence-jdbc.shared-databases.slick.db.url"), "sa", "");
    }

    /**
     * {@code persistenceId}'s rows in the journal and the snapshot tables, as text, which must not be
     * none: what a test compares to show that nothing was written to a stuck entity's journal.
     */
    public static List<String> rows(Config journal, String persistenceId) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection connection = connect(journal)) {
            for (String table : List.of("event_journal", "snapshot")) {
                try (PreparedStatement query = connection.prepareStatement(
                        "select * from \"" + table + "\" where \"persistence_id\" = ? order by \"sequence_number\"")) {
                    query.setString(1, persistenceId);
                    try (ResultSet result = query.executeQuery()) {
                        int columns = result.getMetaData().getColumnCount();
                        while (result.next()) {
                            StringBuilder row = new StringBuilder(table);
                            for (int n = 1; n <= columns; n++) {
                                int type = result.getMetaData().getColumnType(n);
                                boolean bytes = type == java.sql.Types.BLOB
                                        || type == java.sql.Types.VARBINARY
                                        || type == java.sql.Types.BINARY
                                        || type == java.sql.Types.LONGVARBINARY;
                                row.append('|')
                                        .append(bytes ? Arrays.toString(result.getBytes(n)) : result.getObject(n));
                            }
                            rows.add(row.toString());
                        }
                    }
                }
            }
        }
        assertFalse(rows.isEmpty(), persistenceId + " has rows");
        return rows;
    }
}
