package dev.custody.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;

/**
 * Makes an embedded H2 database's committed writes durable.
 *
 * <p>A sync stores what is pending, waits for every store H2 has under way, and forces the file to
 * stable storage (fsync). One sync serves every request made before it started, so callers that ask
 * while a sync is under way share the next one: its cost is amortised over every write that waited
 * for it (group commit).
 *
 * <p>Not {@code CHECKPOINT SYNC}: with a write delay, H2's background writer stores changes on threads
 * of its own without waiting, and a commit that finds such a store started skips its own; the fsync of
 * {@code CHECKPOINT SYNC} then runs while the changes are still on their way to the file. The crash
 * test lost acknowledged decisions to it, and {@code PowerCutDurabilityTest} on a slow disk does.
 *
 * <p>Whatever H2 stores on its own (its background writer, writes nobody waits for) is synced here
 * within {@link #SYNCED_WITHIN_MILLIS}, so the entities' rows and the refusals' records, which no
 * answer waits for, are on stable storage soon after too.
 *
 * <p>This thread also rewrites sparse old chunks ({@link H2ChunkRewriter}), which H2's background
 * writer would do if a write delay started it. It does not move chunks within the file: moving them
 * together every second made H2 2.5.252 fail a store with an internal NullPointerException and close
 * the database, once in a few runs.
 *
 * <p>It holds back H2's reuse of the room of dead chunks behind the version its last fsync covered
 * ({@link H2SyncedVersionPin}), so that a power cut cannot find the room of a chunk the synced store
 * still used overwritten. Asked to ({@code reuseRoomAtOnce}), it also sets the open store's {@code
 * RETENTION_TIME} to 0 once it has synced, so that a busy file holds the writes of the last fraction
 * of a second rather than of the last 45 s; the engine does not ask yet, because a SIGKILL crash test
 * with it lost acknowledged decisions (docs/decisions.md).
 *
 * <p>Everything runs on one thread of its own, over a connection of its own to the same database.
 */
final class H2GroupSync implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(H2GroupSync.class);

    /** A write H2 stored on its own is on stable storage within this long. */
    static final long SYNCED_WITHIN_MILLIS = 100;

    private final String url;
    private final String user;
    private final String password;
    private final Thread thread;
    private final Object lock = new Object();
    private List<CompletableFuture<Void>> waiting = new ArrayList<>();
    private boolean closed;
    private Connection connection;
    private MVStore store;
    private long syncs;
    private long writesAtLastSync = -1;
    private final H2ChunkRewriter rewriter;
    private final H2SyncedVersionPin pin = new H2SyncedVersionPin();
    private final boolean reuseRoomAtOnce;

    H2GroupSync(String url, String user, String password) {
        this(url, user, password, new H2ChunkRewriter(), false);
    }

    /** {@code reuseRoomAtOnce}: RETENTION_TIME 0 on the open store once a version is held (see above). */
    H2GroupSync(String url, String user, String password, H2ChunkRewriter rewriter, boolean reuseRoomAtOnce) {
        this.rewriter = rewriter;
        this.reuseRoomAtOnce = reuseRoomAtOnce;
        this.url = url;
        this.user = user;
        this.password = password;
        this.thread = Thread.ofPlatform().daemon().name("custody-h2-sync").start(this::run);
    }

    /** Completes once everything committed before this call is on stable storage; fails when the sync fails. */
    CompletableFuture<Void> request() {
        CompletableFuture<Void> synced = new CompletableFuture<>();
        synchronized (lock) {
            if (closed) {
                synced.completeExceptionally(new IllegalStateException("the H2 journal's sync is closed"));
                return synced;
            }
            waiting.add(synced);
            lock.notifyAll();
        }
        return synced;
    }

    /** Syncs done so far (each served every request made before it started). */
    long syncs() {
        synchronized (lock) {
            return syncs;
        }
    }

    private void run() {
        while (true) {
            List<CompletableFuture<Void>> due;
            synchronized (lock) {
                if (waiting.isEmpty() && !closed) {
                    try {
                        lock.wait(SYNCED_WITHIN_MILLIS);
                    } catch (InterruptedException interrupted) {
                        closed = true;
                    }
                }
                if (closed && waiting.isEmpty()) {
                    break;
                }
                due = waiting;
                waiting = new ArrayList<>();
            }
            try {
                if (!due.isEmpty() || writtenSinceLastSync()) {
                    syncNow();
                }
                due.forEach(request -> request.complete(null));
            } catch (SQLException | RuntimeException failed) {
                closeConnection(); // opened afresh for the next request
                due.forEach(request -> request.completeExceptionally(failed));
                continue;
            }
            rewriteSparseChunks();
        }
        closeConnection();
    }

    private void rewriteSparseChunks() {
        try {
            open();
            rewriter.maybeRewrite(store);
        } catch (SQLException | RuntimeException failed) {
            // the file stays as it is (larger); a failing database fails the next sync, not this
            LOG.warn("rewriting the H2 journal's sparse chunks failed: {}", failed.toString());
            closeConnection();
        }
    }

    /** Rewrites of sparse chunks that moved pages so far. */
    long chunkRewrites() {
        return rewriter.rewrites();
    }

    private void open() throws SQLException {
        if (connection == null) {
            connection = DriverManager.getConnection(url, user, password);
            SessionLocal session =
                    (SessionLocal) connection.unwrap(JdbcConnection.class).getSession();
            store = session.getDatabase().getStore().getMvStore();
        }
    }

    private boolean writtenSinceLastSync() throws SQLException {
        open();
        return store.getFileStore().getWriteCount() != writesAtLastSync;
    }

    private void syncNow() throws SQLException {
        open();
        if (store.isClosed()) {
            throw new SQLException("the H2 journal is closed: nothing more can be made durable");
        }
        MVStore synced = store;
        synced.commit(); // what is committed and not yet stored, or nothing when H2's writer took it
        FileStore<?> file = synced.getFileStore();
        // under H2's store lock (so never beside a close or another store's start), waits for the
        // stores under way (H2's writer's included), then forces the file
        synced.executeFilestoreOperation(() -> {
            MVStore.TxCounter stored = pin.beforeForce(synced); // no store runs under this lock
            try {
                file.sync();
            } catch (RuntimeException failed) {
                pin.notForced(synced, stored);
                throw failed;
            }
            pin.forced(synced, stored);
        });
        if (reuseRoomAtOnce && synced.getRetentionTime() != 0 && pin.holds(synced)) {
            synced.setRetentionTime(0); // room is reused only behind the version held: see H2SyncedVersionPin
        }
        writesAtLastSync = file.getWriteCount();
        synchronized (lock) {
            syncs++;
        }
    }

    private void closeConnection() {
        if (reuseRoomAtOnce && store != null && !store.isClosed()) {
            // nothing holds room back from now on: H2's own retention time again, then let go
            store.setRetentionTime(store.getFileStore().getDefaultRetentionTime());
        }
        pin.release();
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("closing the H2 sync connection: {}", e.getMessage());
            }
            connection = null;
            store = null;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
