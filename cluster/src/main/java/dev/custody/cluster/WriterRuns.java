package dev.custody.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who wrote a fleet's journal, per persistence id: its rows' writer ids in sequence order, one entry
 * per run of rows by one writer (an incarnation of the entity). An id whose runs name a writer twice
 * had two writers at once, one writing again after the other: what Split Brain Resolver and the
 * shard's handoff must never let happen.
 */
public final class WriterRuns {
    private WriterRuns() {}

    /** The writer runs of every persistence id that starts with {@code prefix} and a dash. */
    public static Map<String, List<String>> of(Connection journal, String prefix) throws SQLException {
        Map<String, List<String>> runs = new TreeMap<>();
        try (PreparedStatement query = journal.prepareStatement("SELECT persistence_id, writer FROM event_journal"
                + " WHERE persistence_id LIKE ? ORDER BY persistence_id, sequence_number")) {
            query.setString(1, prefix + "-%");
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    List<String> writers = runs.computeIfAbsent(rows.getString(1), pid -> new ArrayList<>());
                    String writer = rows.getString(2);
                    if (writers.isEmpty() || !writers.getLast().equals(writer)) {
                        writers.add(writer);
                    }
                }
            }
        }
        return runs;
    }

    /** Whether one writer's rows resume after another's: two incarnations wrote the id at once. */
    public static boolean twoWriters(List<String> runs) {
        return runs.stream().distinct().count() != runs.size();
    }
}
