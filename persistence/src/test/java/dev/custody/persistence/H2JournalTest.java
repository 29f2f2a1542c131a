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
}
