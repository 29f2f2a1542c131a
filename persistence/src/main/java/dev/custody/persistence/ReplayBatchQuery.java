package dev.custody.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.jdbc.PekkoSerialization$;
import org.apache.pekko.persistence.jdbc.config.EventJournalTableColumnNames;
import org.apache.pekko.persistence.jdbc.config.EventJournalTableConfiguration;
import org.apache.pekko.persistence.jdbc.journal.dao.JournalTables;
import org.apache.pekko.serialization.Serialization;
import scala.Option;
import scala.Tuple2;
import scala.util.Try;

/**
 * One batch of a recovery's rows, read with one JDBC statement, and decoded as the JDBC journal
 * decodes them. The plugin streams a batch through Slick, which hands rows over a few at a time, each
 * hand-over a task on another thread: on a 1M-event journal about 30,000 of them for the coordinator
 * alone, and on a loaded machine each waits for a core. This reads the same rows (same conditions, same
 * order, the same limit) in one go on the database's thread.
 *
 * <p>The ORDER BY names the unique index's columns from its first, {@code (persistence_id,
 * sequence_number)}: H2 then reads in index order instead of sorting the persistence id's rows first.
 */
final class ReplayBatchQuery {
    private final String sql;

    ReplayBatchQuery(EventJournalTableConfiguration table) {
        EventJournalTableColumnNames c = table.columnNames();
        String name = table.schemaName().isDefined()
                ? quoted(table.schemaName().get()) + "." + quoted(table.tableName())
                : quoted(table.tableName());
        this.sql = "select "
                + String.join(
                        ", ",
                        quoted(c.ordering()),
                        quoted(c.deleted()),
                        quoted(c.persistenceId()),
                        quoted(c.sequenceNumber()),
                        quoted(c.writer()),
                        quoted(c.writeTimestamp()),
                        quoted(c.adapterManifest()),
                        quoted(c.eventPayload()),
                        quoted(c.eventSerId()),
                        quoted(c.eventSerManifest()),
                        quoted(c.metaPayload()),
                        quoted(c.metaSerId()),
                        quoted(c.metaSerManifest()))
                + " from " + name
                + " where " + quoted(c.persistenceId()) + " = ? and " + quoted(c.deleted()) + " = false and "
                + quoted(c.sequenceNumber()) + " >= ? and " + quoted(c.sequenceNumber()) + " <= ?"
                + " order by " + quoted(c.persistenceId()) + ", " + quoted(c.sequenceNumber()) + " limit ?";
    }

    /**
     * At most {@code max} rows of {@code persistenceId} from {@code from} to {@code to}, in sequence
     * order, as stored: not decoded yet. A database error fails the whole batch, and so the recovery,
     * as it fails the plugin's stream.
     */
    List<JournalTables.JournalPekkoSerializationRow> read(
            Connection connection, String persistenceId, long from, long to, long max) {
        try {
            return rows(connection, persistenceId, from, to, max);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot read the rows of " + persistenceId + " from sequence number " + from + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * Each row decoded by the journal's own {@code fromRow}: a row that cannot be decoded is a failure
     * in its place, as in the plugin's stream.
     */
    static List<Try<Tuple2<PersistentRepr, Object>>> decode(
            Serialization serialization, List<JournalTables.JournalPekkoSerializationRow> rows) {
        List<Try<Tuple2<PersistentRepr, Object>>> decoded = new ArrayList<>(rows.size());
        for (JournalTables.JournalPekkoSerializationRow row : rows) {
            decoded.add(PekkoSerialization$.MODULE$.fromRow(serialization, row));
        }
        return decoded;
    }

    private List<JournalTables.JournalPekkoSerializationRow> rows(
            Connection connection, String persistenceId, long from, long to, long max) throws SQLException {
        int limit = (int) Math.min(max, Integer.MAX_VALUE); // what the plugin asks of H2, too
        List<JournalTables.JournalPekkoSerializationRow> rows = new ArrayList<>(Math.min(limit, 1024));
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setFetchSize(Math.min(limit, 10_000));
            query.setString(1, persistenceId);
            query.setLong(2, from);
            query.setLong(3, to);
            query.setInt(4, limit);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    rows.add(row(result));
                }
            }
        }
        return rows;
    }

    private static JournalTables.JournalPekkoSerializationRow row(ResultSet result) throws SQLException {
        int metaSerId = result.getInt(12);
        Option<Object> metaSerIdOrNone = result.wasNull() ? Option.empty() : Option.<Object>apply(metaSerId);
        return new JournalTables.JournalPekkoSerializationRow(
                result.getLong(1),
                result.getBoolean(2),
                result.getString(3),
                result.getLong(4),
                result.getString(5),
                result.getLong(6),
                result.getString(7),
                result.getBytes(8),
                result.getInt(9),
                result.getString(10),
                Option.apply(result.getBytes(11)),
                metaSerIdOrNone,
                Option.apply(result.getString(13)));
    }

    private static String quoted(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
