package dev.custody.bench.journal;

import com.typesafe.config.Config;
import dev.custody.persistence.Journals;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** One journal the benchmark runs on: its name in the report and its configuration. */
record JournalTarget(String name, Config config) {

    private static final String DB = "pekko-persistence-jdbc.shared-databases.slick.db.";

    boolean isJdbc() {
        return Journals.JOURNAL.equals(config.getString("pekko.persistence.journal.plugin"));
    }

    /** The same journal without its snapshot store: a start then replays every record from the first. */
    Config withoutSnapshots() {
        return config.withValue(
                "pekko.persistence.snapshot-store.plugin", com.typesafe.config.ConfigValueFactory.fromAnyRef(""));
    }

    /** Journal rows of engine {@code instance}: {coordinator's, all entities'}. Only while no runtime holds an H2 file. */
    long[] rows(String instance) {
        String sql = "select sum(case when persistence_id = ? then 1 else 0 end), count(*) from event_journal"
                + " where persistence_id like ?";
        try (Connection connection = DriverManager.getConnection(
                        config.getString(DB + "url"),
                        config.getString(DB + "user"),
                        config.getString(DB + "password"));
                PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, instance + "|kernel");
            query.setString(2, instance + "|%");
            try (ResultSet result = query.executeQuery()) {
                result.next();
                long coordinator = result.getLong(1);
                return new long[] {coordinator, result.getLong(2) - coordinator};
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count the journal rows on " + name + ": " + e.getMessage(), e);
        }
    }
}
