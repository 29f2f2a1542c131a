package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default journal: an embedded H2 file in a fresh data directory. */
class H2JournalTest extends JdbcJournalContract {
    @TempDir
    Path dataDirectory;

    @Override
    Config journal() {
        return Journals.h2(dataDirectory);
    }

    @Test
    void aNewJournalRecordsItsOrderingSequenceOncePerThousandRowsNotEveryThirtyTwo() throws Exception {
        Config config = journal();
        SchemaCreator.createIfMissing(config);
        String db = "pekko-persistence-jdbc.shared-databases.slick.db.";
        try (Connection connection = DriverManager.getConnection(
                        config.getString(db + "url"),
                        config.getString(db + "user"),
                        config.getString(db + "password"));
                Statement statement = connection.createStatement();
                ResultSet cache = statement.executeQuery("select IDENTITY_CACHE from INFORMATION_SCHEMA.COLUMNS"
                        + " where TABLE_NAME = 'event_journal' and COLUMN_NAME = 'ordering'")) {
            assertTrue(cache.next(), "the journal table has its ordering column");
            assertEquals(SchemaCreator.H2_ORDERING_CACHE_VALUES, cache.getLong(1));
        }
    }

    @Test
    void aNewJournalIndexesOrderingOnceAndKeepsItUnique() throws Exception {
        Config config = journal();
        SchemaCreator.createIfMissing(config);
        String db = "pekko-persistence-jdbc.shared-databases.slick.db.";
        try (Connection connection = DriverManager.getConnection(
                        config.getString(db + "url"),
                        config.getString(db + "user"),
                        config.getString(db + "password"));
                Statement statement = connection.createStatement();
                ResultSet indexes = statement.executeQuery("select i.INDEX_NAME, i.INDEX_TYPE_NAME"
                        + " from INFORMATION_SCHEMA.INDEXES i join INFORMATION_SCHEMA.INDEX_COLUMNS c"
                        + " on c.INDEX_NAME = i.INDEX_NAME and c.TABLE_NAME = i.TABLE_NAME"
                        + " where i.TABLE_NAME = 'event_journal' and c.COLUMN_NAME = 'ordering'")) {
            java.util.List<String> found = new java.util.ArrayList<>();
            while (indexes.next()) {
                found.add(indexes.getString(1) + " " + indexes.getString(2));
            }
            assertEquals(1, found.size(), "indexes on ordering: " + found);
            assertTrue(found.getFirst().endsWith("UNIQUE INDEX"), "ordering stays unique: " + found);
        }
    }
}
