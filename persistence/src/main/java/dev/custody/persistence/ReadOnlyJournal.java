package dev.custody.persistence;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A JDBC journal opened for investigation, so that it does not change by a single byte. An embedded H2
 * file is opened read only ({@code ACCESS_MODE_DATA=r}: H2 then neither writes a chunk nor rewrites the
 * header on closing, as it does for a read-write session that only reads) and with no trace file; a
 * journal that must exist is never created, and no schema creation runs on it. A commit a crash
 * interrupted reads as H2's undo log records it, committed ({@code H2InterruptedCommitTest}).
 * PostgreSQL is read in a read-only session.
 */
public final class ReadOnlyJournal implements AutoCloseable {

    private static final String DB = "pekko-persistence-jdbc.shared-databases.slick.db.";
    private static final String H2_FILE_URL = "jdbc:h2:file:";
    /** H2's DATABASE_NOT_FOUND_WITH_IF_EXISTS_1. */
    private static final int NOT_FOUND = 90146;

    private final Connection connection;

    private ReadOnlyJournal(Connection connection) {
        this.connection = connection;
    }

    /** Whether {@code journal} is a JDBC journal (H2 or PostgreSQL) this class can open. */
    public static boolean applies(Config journal) {
        return journal.hasPath(DB + "url")
                && Journals.JOURNAL.equals(journal.getString("pekko.persistence.journal.plugin"));
    }

    public static ReadOnlyJournal open(Config journal) throws SQLException {
        String url = journal.getString(DB + "url");
        String user = journal.getString(DB + "user");
        String password = journal.getString(DB + "password");
        if (!url.startsWith(H2_FILE_URL)) {
            Connection connection = DriverManager.getConnection(url, user, password);
            connection.setReadOnly(true);
            return new ReadOnlyJournal(connection);
        }
        return new ReadOnlyJournal(openH2(url, user, password, readOnly(url)));
    }

    public Connection connection() {
        return connection;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }

    private static String readOnly(String url) {
        return url + ";IFEXISTS=TRUE;ACCESS_MODE_DATA=r;TRACE_LEVEL_FILE=0";
    }

    private static Connection openH2(String url, String user, String password, String settings) throws SQLException {
        try {
            return DriverManager.getConnection(settings, user, password);
        } catch (SQLException missing) {
            if (missing.getErrorCode() == NOT_FOUND) {
                // no cause: the readers report root causes, and this is the clear one
                throw new SQLException("there is no journal at " + databaseFile(url));
            }
            String hint = H2FileFormat.hintFor(missing);
            if (!hint.isEmpty()) {
                throw new SQLException(
                        "H2 cannot read the journal " + databaseFile(url) + "." + hint); // the clear cause
            }
            throw missing;
        }
    }

    private static Path databaseFile(String url) {
        int settings = url.indexOf(';');
        return Path.of(url.substring(H2_FILE_URL.length(), settings < 0 ? url.length() : settings) + ".mv.db");
    }
}
