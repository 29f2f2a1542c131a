package dev.custody.cluster;

import com.typesafe.config.Config;
import dev.custody.persistence.JournalCredentials;
import dev.custody.server.StateRecords;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * One instance's control state log (holders, their names and files, opid intents and answers) as rows
 * of {@value #TABLE} in the cluster's shared PostgreSQL, the journal's database: the instance's next
 * start, on whichever node, reads them back in order (docs/cluster.md, "The control socket on a cluster
 * node"). Each record is one INSERT, committed before {@link #append} returns, as a single server's
 * record is one write(2) before its answer is sent.
 *
 * <p>Only one node runs an instance at a time (Cluster Sharding, {@link EngineShard}), so the rows of
 * an instance have one writer, and its sequence numbers go on from the largest one read at the start.
 */
final class ControlStateTable implements StateRecords {
    static final String TABLE = "custody_control_state";

    private static final String DB = "pekko-persistence-jdbc.shared-databases.slick.db.";

    private final String url;
    private final String user;
    private final String password;
    private final String instance;
    private final int timeoutSeconds;
    private Connection connection;
    private long seq;
    private boolean closed;

    private ControlStateTable(String url, String user, String password, String instance, Duration timeout) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.instance = instance;
        this.timeoutSeconds = (int) Math.max(1, timeout.toSeconds());
    }

    /**
     * The table of {@code instance} in the database of the journal {@code config} configures (the node's
     * configuration, its journal's URL and login); none when that journal is not PostgreSQL (a node on
     * an in-memory journal keeps nothing across nodes, so its control state stays in memory too).
     */
    static Optional<StateRecords> of(Config config, String instance, Duration timeout) {
        if (!config.hasPath(DB + "url") || !config.getString(DB + "url").startsWith("jdbc:postgresql:")) {
            return Optional.empty();
        }
        return Optional.of(new ControlStateTable(
                config.getString(DB + "url"),
                config.getString(DB + "user"),
                config.getString(DB + "password"),
                instance,
                timeout));
    }

    @Override
    public synchronized List<String> readAll() {
        try {
            Connection db = connection();
            createTable(db);
            List<String> records = new ArrayList<>();
            try (PreparedStatement select =
                    db.prepareStatement("SELECT seq, record FROM " + TABLE + " WHERE instance = ? ORDER BY seq")) {
                select.setQueryTimeout(timeoutSeconds);
                select.setString(1, instance);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        seq = Math.max(seq, rows.getLong(1));
                        records.add(rows.getString(2));
                    }
                }
            }
            return records;
        } catch (SQLException e) {
            forget();
            throw new IllegalStateException(
                    "cannot read the control state of " + instance + " from " + where() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates the table unless it exists. PostgreSQL's {@code CREATE TABLE IF NOT EXISTS} is not safe
     * against itself: when instances start at once on a fresh database, the losers' statements fail
     * (a unique violation on the catalogue's type names, "type already exists", "relation already
     * exists") although the table is then there, as they wanted. A failure stands only when the table
     * is still missing.
     */
    private void createTable(Connection db) throws SQLException {
        try (Statement create = db.createStatement()) {
            create.setQueryTimeout(timeoutSeconds);
            create.execute("CREATE TABLE IF NOT EXISTS " + TABLE
                    + " (instance TEXT NOT NULL, seq BIGINT NOT NULL, record TEXT NOT NULL,"
                    + " PRIMARY KEY (instance, seq))");
        } catch (SQLException raced) {
            if (!tableExists(db)) {
                throw raced;
            }
        }
    }

    private boolean tableExists(Connection db) throws SQLException {
        try (PreparedStatement find = db.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            find.setQueryTimeout(timeoutSeconds);
            find.setString(1, TABLE);
            try (ResultSet found = find.executeQuery()) {
                return found.next() && found.getBoolean(1);
            }
        }
    }

    /**
     * Inserts the record as the next row, committed when this returns. A connection that broke is
     * opened again once; when the row is then found there already, the first insert was committed
     * before the connection broke.
     */
    @Override
    public synchronized void append(String record) {
        if (closed) {
            throw new IllegalStateException("the control state of " + instance + " is closed");
        }
        long next = seq + 1;
        try {
            insert(next, record);
        } catch (SQLException first) {
            forget();
            try {
                insert(next, record);
            } catch (SQLException again) {
                if (!"23505".equals(again.getSQLState())) { // unique_violation: the first one got in
                    forget();
                    throw new IllegalStateException(
                            "cannot keep the control state of " + instance + " in " + where() + ": "
                                    + again.getMessage(),
                            again);
                }
            }
        }
        seq = next;
    }

    private void insert(long row, String record) throws SQLException {
        try (PreparedStatement insert =
                connection().prepareStatement("INSERT INTO " + TABLE + " (instance, seq, record) VALUES (?, ?, ?)")) {
            insert.setQueryTimeout(timeoutSeconds);
            insert.setString(1, instance);
            insert.setLong(2, row);
            insert.setString(3, record);
            insert.executeUpdate();
        }
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public synchronized void close() {
        closed = true;
        forget();
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            Properties login = new Properties();
            login.setProperty("user", user);
            login.setProperty("password", password);
            login.setProperty("loginTimeout", Integer.toString(timeoutSeconds));
            login.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
            connection = DriverManager.getConnection(url, login);
            connection.setAutoCommit(true);
        }
        return connection;
    }

    private void forget() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // a broken connection is dropped either way
            }
            connection = null;
        }
    }

    private String where() {
        return TABLE + " on " + JournalCredentials.redacted(url);
    }
}
