package dev.custody.persistence;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Creates the JDBC journal's tables when they are missing, with the DDL scripts that ship inside
 * pekko-persistence-jdbc (so the schema is exactly the plugin's). Safe to run on every start: when all
 * tables exist nothing runs, and otherwise every statement is made idempotent ("IF NOT EXISTS" added
 * to the index statements the scripts lack it on), so a half-created schema is completed.
 */
public final class SchemaCreator {
    private SchemaCreator() {}

    private static final String DB = "pekko-persistence-jdbc.shared-databases.slick.db.";
    private static final List<String> TABLES = List.of("event_journal", "event_tag", "snapshot");

    /**
     * How many values of the journal's {@code ordering} column H2 hands out before it records the
     * column's sequence again (its cache, 32 by default). Each time it records it, H2 commits its
     * system session, and with {@code WRITE_DELAY=0} that stores a chunk of the file in the middle of
     * an insert: on the journal benchmark, a seventh of H2's time went there, once every 32 rows. A
     * crash leaves a gap of at most this many values in {@code ordering} (a clean close does not),
     * which readers of the timeline already expect: offsets rise, they are not dense. Set when the
     * tables are created; a journal created before keeps H2's default.
     */
    static final int H2_ORDERING_CACHE_VALUES = 1_000;

    private static final String H2_ORDERING_CACHE =
            "ALTER TABLE PUBLIC.\"event_journal\" ALTER COLUMN \"ordering\"" + " SET CACHE " + H2_ORDERING_CACHE_VALUES;

    /**
     * The plugin's H2 script indexes {@code ordering} twice: its column is declared {@code UNIQUE}
     * (which gives it an index) and then gets {@code event_journal_ordering_idx} as well, unique too.
     * Every row then went into one B-tree more than it needs, and every commit stored that tree's
     * changed pages (inserts and commits are most of H2's time in {@code bench journal}). The second
     * index is dropped from a new journal; the constraint's index keeps {@code ordering} unique and
     * serves the read journal's scans by ordering just as well. A journal created before keeps both.
     * (PostgreSQL's script declares {@code ordering} without {@code UNIQUE}: one index there already.)
     */
    static final String H2_SECOND_ORDERING_INDEX = "event_journal_ordering_idx";

    private static final String H2_DROP_SECOND_ORDERING_INDEX =
            "DROP INDEX IF EXISTS PUBLIC.\"" + H2_SECOND_ORDERING_INDEX + "\"";

    /** Does nothing for a configuration that does not use {@link Journals#JOURNAL}. */
    public static void createIfMissing(Config config) {
        if (!Journals.JOURNAL.equals(config.getString("pekko.persistence.journal.plugin"))) {
            return;
        }
        String url = config.getString(DB + "url");
        String script = scriptFor(url);
        try (Connection connection =
                DriverManager.getConnection(url, config.getString(DB + "user"), config.getString(DB + "password"))) {
            if (missingTables(connection).isEmpty()) {
                return;
            }
            connection.setAutoCommit(true); // PostgreSQL refuses CREATE INDEX CONCURRENTLY in a transaction
            try (Statement statement = connection.createStatement()) {
                for (String sql : statements(script)) {
                    statement.execute(sql);
                }
            }
            if (url.startsWith("jdbc:h2:")) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute(H2_ORDERING_CACHE);
                    statement.execute(H2_DROP_SECOND_ORDERING_INDEX);
                }
            }
            List<String> stillMissing = missingTables(connection);
            if (!stillMissing.isEmpty()) {
                throw new IllegalStateException("the journal tables " + stillMissing
                        + " are still missing after running " + script + " on " + JournalCredentials.redacted(url));
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == org.h2.api.ErrorCode.DATABASE_ALREADY_OPEN_1) {
                // bad input, not an internal error: the user pointed a second process at one embedded file
                throw new IllegalArgumentException("the journal " + JournalCredentials.redacted(url)
                        + " is open in another process (an embedded H2 file has one at a time): stop that process,"
                        + " or give this one another h2:DIR");
            }
            throw new IllegalStateException(
                    "cannot create the journal tables on " + JournalCredentials.redacted(url) + ": " + e.getMessage()
                            + H2FileFormat.hintFor(e),
                    e);
        }
    }

    private static String scriptFor(String url) {
        if (url.startsWith("jdbc:h2:")) {
            return "schema/h2/h2-create-schema.sql";
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return "schema/postgres/postgres-create-schema.sql";
        }
        throw new IllegalArgumentException(
                "no journal schema for " + JournalCredentials.redacted(url) + " (H2 and PostgreSQL are supported)");
    }

    static List<String> missingTables(Connection connection) throws SQLException {
        DatabaseMetaData meta = connection.getMetaData();
        List<String> missing = new ArrayList<>();
        for (String table : TABLES) {
            try (ResultSet found = meta.getTables(null, null, table, new String[] {"TABLE", "BASE TABLE"})) {
                if (!found.next()) {
                    missing.add(table);
                }
            }
        }
        return missing;
    }

    /** The script's statements, split at ";", with IF NOT EXISTS on every CREATE ... INDEX. */
    static List<String> statements(String resource) {
        String text;
        try (InputStream in = SchemaCreator.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(
                        resource + " is not on the class path (pekko-persistence-jdbc missing?)");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
        return Arrays.stream(text.split(";"))
                .map(String::strip)
                .filter(sql -> !sql.isEmpty())
                .map(SchemaCreator::idempotent)
                .toList();
    }

    private static String idempotent(String sql) {
        String upper = sql.toUpperCase(Locale.ROOT);
        if (upper.contains("IF NOT EXISTS")) {
            return sql;
        }
        for (String head : List.of(
                "CREATE UNIQUE INDEX CONCURRENTLY",
                "CREATE INDEX CONCURRENTLY",
                "CREATE UNIQUE INDEX",
                "CREATE INDEX")) {
            if (upper.startsWith(head)) {
                return sql.substring(0, head.length()) + " IF NOT EXISTS" + sql.substring(head.length());
            }
        }
        return sql;
    }
}
