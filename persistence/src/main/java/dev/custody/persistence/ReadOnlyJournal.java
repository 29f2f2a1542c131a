package dev.custody.persistence;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.h2.engine.Database;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.tx.Transaction;

/**
 * A JDBC journal opened for investigation, so that it does not change by a single byte. An embedded H2
 * file is opened read only ({@code ACCESS_MODE_DATA=r}: H2 then neither writes a chunk nor rewrites the
 * header on closing, as it does for a read-write session that only reads) and with no trace file; a
 * journal that must exist is never created. Nothing that writes runs on it: no schema creation and no
 * {@link H2InterruptedCommits} repair. When the file holds commits a crash interrupted (rows H2 would
 * otherwise hide), the file is copied, the copy is repaired and read instead, and {@link #notes()} says
 * so. PostgreSQL is read in a read-only session.
 */
public final class ReadOnlyJournal implements AutoCloseable {

    private static final String DB = "pekko-persistence-jdbc.shared-databases.slick.db.";
    private static final String H2_FILE_URL = "jdbc:h2:file:";
    /** H2's DATABASE_NOT_FOUND_WITH_IF_EXISTS_1. */
    private static final int NOT_FOUND = 90146;

    private final Connection connection;
    private final List<String> notes;
    private final Path copy;

    private ReadOnlyJournal(Connection connection, List<String> notes, Path copy) {
        this.connection = connection;
        this.notes = List.copyOf(notes);
        this.copy = copy;
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
            return new ReadOnlyJournal(connection, List.of(), null);
        }
        Connection evidence = openH2(url, user, password, readOnly(url));
        List<String> interrupted;
        try {
            interrupted = interruptedCommits(evidence);
        } catch (SQLException | RuntimeException e) {
            evidence.close();
            throw e;
        }
        if (interrupted.isEmpty()) {
            return new ReadOnlyJournal(evidence, List.of(), null);
        }
        evidence.close();
        return repairedCopy(url, user, password, interrupted);
    }

    public Connection connection() {
        return connection;
    }

    /** What the reader should know about how the journal was read (a repaired copy, and why). */
    public List<String> notes() {
        return notes;
    }

    @Override
    public void close() throws SQLException {
        try {
            connection.close();
        } finally {
            if (copy != null) {
                deleteCopy(copy);
            }
        }
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
            throw missing;
        }
    }

    /** The transactions H2's undo log records as committed whose rows are still stored as uncommitted. */
    private static List<String> interruptedCommits(Connection connection) throws SQLException {
        SessionLocal session =
                (SessionLocal) connection.unwrap(JdbcConnection.class).getSession();
        Database database = session.getDatabase();
        List<String> found = new ArrayList<>();
        for (Transaction leftover : database.getStore().getTransactionStore().getOpenTransactions()) {
            if (leftover.getStatus() == Transaction.STATUS_COMMITTED) {
                found.add("H2 transaction " + leftover.getId());
            }
        }
        return found;
    }

    private static ReadOnlyJournal repairedCopy(String url, String user, String password, List<String> interrupted)
            throws SQLException {
        Path original = databaseFile(url);
        Path copy;
        try {
            copy = Files.createTempDirectory("custody-journal-copy");
            Files.copy(original, copy.resolve(original.getFileName()));
        } catch (IOException e) {
            throw new SQLException(
                    "the journal " + original + " holds commits a crash interrupted (" + String.join(", ", interrupted)
                            + "), which only a repaired copy shows, and it cannot be copied: " + e.getMessage(),
                    e);
        }
        String name = original.getFileName().toString();
        String copyUrl = H2_FILE_URL + copy.resolve(name.substring(0, name.length() - ".mv.db".length()))
                + url.substring(url.indexOf(';')) + ";IFEXISTS=TRUE;TRACE_LEVEL_FILE=0";
        Connection connection = DriverManager.getConnection(copyUrl, user, password);
        try {
            List<String> finished = H2InterruptedCommits.finish(connection);
            connection.setReadOnly(true);
            return new ReadOnlyJournal(
                    connection,
                    List.of("the journal " + original + " holds " + finished.size()
                            + " commit(s) a crash interrupted (" + String.join("; ", finished)
                            + "); read from a copy with them finished, as the engine's next start would;"
                            + " the journal itself is unchanged"),
                    copy);
        } catch (SQLException | RuntimeException e) {
            connection.close();
            deleteCopy(copy);
            throw e;
        }
    }

    private static Path databaseFile(String url) {
        int settings = url.indexOf(';');
        return Path.of(url.substring(H2_FILE_URL.length(), settings < 0 ? url.length() : settings) + ".mv.db");
    }

    private static void deleteCopy(Path copy) {
        try (Stream<Path> files = Files.walk(copy)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the journal copy " + copy, e);
        }
    }
}
