package dev.custody.replay;

import dev.custody.persistence.KryoJournalSerializer;
import java.io.NotSerializableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Sequence;

/**
 * Reads one persistence id's rows straight from the JDBC journal's table, in sequence order, with
 * large fetches, and decodes them with the journal's own serializer. A whole-journal replay through
 * persistence query pays per row for a stream element it does not need; this is the same data,
 * read about as fast as the database hands it over. Read only: the connection is a
 * {@link dev.custody.persistence.ReadOnlyJournal}'s.
 *
 * <p>The rows are ordered by the primary key's columns, {@code (persistence_id, sequence_number)},
 * although the persistence id is fixed: H2 reads rows in the order of an index only when the ORDER BY
 * names the index's columns from its first, and otherwise sorts every row of the id into a temporary
 * result on disk first (about a third of the read of a 1M-event journal).
 */
final class JdbcJournalRows {
    private JdbcJournalRows() {}

    private static final int FETCH = 10_000;

    static List<EventEnvelope> read(Connection connection, String persistenceId)
            throws SQLException, NotSerializableException {
        KryoJournalSerializer serializer = new KryoJournalSerializer();
        List<EventEnvelope> envelopes = new ArrayList<>();
        boolean autoCommit = connection.getAutoCommit();
        try (PreparedStatement query = connection.prepareStatement("select \"ordering\", \"sequence_number\","
                + " \"write_timestamp\", \"event_payload\", \"event_ser_id\", \"event_ser_manifest\""
                + " from \"event_journal\" where \"persistence_id\" = ? and \"deleted\" = false"
                + " order by \"persistence_id\", \"sequence_number\"")) {
            connection.setAutoCommit(false); // PostgreSQL streams with a fetch size only inside a transaction
            query.setFetchSize(FETCH);
            query.setString(1, persistenceId);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    long sequenceNr = rows.getLong(2);
                    if (rows.getInt(5) != serializer.identifier()) {
                        throw new NotSerializableException(
                                "record " + sequenceNr + " of " + persistenceId + " was written by serializer "
                                        + rows.getInt(5) + ", not " + KryoJournalSerializer.NAME);
                    }
                    Object record;
                    try {
                        record = serializer.fromBinary(rows.getBytes(4), rows.getString(6));
                    } catch (NotSerializableException corrupt) {
                        // unlike a recovery, this read knows exactly which row is damaged: say so
                        throw new NotSerializableException(
                                "record " + sequenceNr + " of " + persistenceId + ": " + corrupt.getMessage());
                    }
                    envelopes.add(new EventEnvelope(
                            Sequence.apply(rows.getLong(1)),
                            persistenceId,
                            sequenceNr,
                            record,
                            rows.getLong(3),
                            scala.Option.empty()));
                }
            }
        } finally {
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        }
        return envelopes;
    }

    /** The engine instances the journal holds (persistence ids {@code <instance>|kernel}). */
    static List<String> instances(Connection connection) throws SQLException {
        List<String> instances = new ArrayList<>();
        try (PreparedStatement query =
                        connection.prepareStatement("select distinct \"persistence_id\" from \"event_journal\""
                                + " where \"persistence_id\" like '%|kernel' order by 1");
                ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                String id = rows.getString(1);
                instances.add(id.substring(0, id.length() - "|kernel".length()));
            }
        }
        return instances;
    }
}
