package dev.custody.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Makes an embedded H2 database's committed writes durable: {@code CHECKPOINT SYNC} stores what is
 * pending and forces the file to stable storage (fsync). One sync serves every request made before it
 * started, so callers that ask while a sync is under way share the next one: the cost of a sync is
 * amortised over every write that waited for it (group commit). Syncs run one at a time on a thread of
 * their own, over a connection of their own to the same database.
 */
final class H2GroupSync implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(H2GroupSync.class);

    private final String url;
    private final String user;
    private final String password;
    private final Thread thread;
    private final Object lock = new Object();
    private List<CompletableFuture<Void>> waiting = new ArrayList<>();
    private boolean closed;
    private Connection connection;
    private long syncs;

    H2GroupSync(String url, String user, String password) {
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
                while (waiting.isEmpty() && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException interrupted) {
                        closed = true;
                    }
                }
                if (waiting.isEmpty()) {
                    break; // closed, and nobody waits
                }
                due = waiting;
                waiting = new ArrayList<>();
            }
            try {
                syncNow();
                synchronized (lock) {
                    syncs++;
                }
                due.forEach(request -> request.complete(null));
            } catch (SQLException | RuntimeException failed) {
                closeConnection(); // opened afresh for the next request
                due.forEach(request -> request.completeExceptionally(failed));
            }
        }
        closeConnection();
    }

    private void syncNow() throws SQLException {
        if (connection == null) {
            connection = DriverManager.getConnection(url, user, password);
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("CHECKPOINT SYNC");
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("closing the H2 sync connection: {}", e.getMessage());
            }
            connection = null;
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
