package dev.custody.replay;

import com.typesafe.config.Config;
import dev.custody.entity.Stamped;
import dev.custody.persistence.KryoJournalSerializer;
import dev.custody.persistence.ReadOnlyJournal;
import java.io.NotSerializableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How far entities have come by their own journals: the last decision each wrote (an entity's rows are
 * its events stamped with their decision's number, written in decision order, and never deleted). What
 * tells an entity's written decision from an open one when the engine's journal cannot: its mark of how
 * far every entity has come stays behind a stuck entity. Read only, from the last row of each.
 */
public final class EntityProgress {
    private EntityProgress() {}

    /** The last decision each of {@code persistenceIds} wrote, 0 for one with no rows. */
    public static Map<String, Long> lastDecisions(Config journal, Collection<String> persistenceIds) {
        if (!ReadOnlyJournal.applies(journal)) {
            throw new BadJournal("entities' journals are read from a JDBC journal (H2 or PostgreSQL) only");
        }
        Map<String, Long> last = new LinkedHashMap<>();
        try (ReadOnlyJournal evidence = ReadOnlyJournal.open(journal)) {
            for (String persistenceId : persistenceIds) {
                last.put(persistenceId, lastDecision(evidence.connection(), persistenceId));
            }
        } catch (BadJournal bad) {
            throw bad;
        } catch (Exception e) {
            throw new BadJournal("cannot read the entities' journals: " + e.getMessage());
        }
        return last;
    }

    private static long lastDecision(Connection connection, String persistenceId)
            throws SQLException, NotSerializableException {
        KryoJournalSerializer serializer = new KryoJournalSerializer();
        try (PreparedStatement query = connection.prepareStatement("select \"sequence_number\", \"event_payload\","
                + " \"event_ser_manifest\" from \"event_journal\" where \"persistence_id\" = ? and \"deleted\" = false"
                + " order by \"persistence_id\" desc, \"sequence_number\" desc limit 1")) {
            query.setString(1, persistenceId);
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    return 0;
                }
                Object record;
                try {
                    record = serializer.fromBinary(row.getBytes(2), row.getString(3));
                } catch (NotSerializableException corrupt) {
                    throw new BadJournal(
                            "record " + row.getLong(1) + " of " + persistenceId + ": " + corrupt.getMessage());
                }
                if (!(record instanceof Stamped stamped)) {
                    throw new BadJournal("record " + row.getLong(1) + " of " + persistenceId + " is not an entity's: "
                            + record.getClass().getName());
                }
                return stamped.seq();
            }
        }
    }
}
