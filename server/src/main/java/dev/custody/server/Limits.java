package dev.custody.server;

import java.time.Duration;

/**
 * What one client may take of the server. A client that breaks a limit gets an error and is
 * disconnected; everyone else is served on.
 *
 * @param maxLineBytes the longest request line, newline excluded (1 MiB by default)
 * @param maxConnections connections open at once; the next one gets EAGAIN and is closed
 * @param idleTimeout a connection that sends nothing for this long is closed (zero: never)
 * @param maxQueuedMessages answers and events waiting for a client that does not read; one more
 *     and it is disconnected
 */
public record Limits(int maxLineBytes, int maxConnections, Duration idleTimeout, int maxQueuedMessages) {

    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);
    public static final int DEFAULT_MAX_QUEUED_MESSAGES = 4096;

    public Limits {
        if (maxLineBytes < 64) {
            throw new IllegalArgumentException("the line limit must be at least 64 bytes, not " + maxLineBytes);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("at least one connection must be allowed, not " + maxConnections);
        }
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("the idle timeout cannot be negative");
        }
        if (maxQueuedMessages < 1) {
            throw new IllegalArgumentException(
                    "at least one message must be allowed to wait, not " + maxQueuedMessages);
        }
    }

    public static Limits defaults() {
        return new Limits(
                DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_CONNECTIONS, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_QUEUED_MESSAGES);
    }

    public Limits withMaxLineBytes(int bytes) {
        return new Limits(bytes, maxConnections, idleTimeout, maxQueuedMessages);
    }

    public Limits withMaxConnections(int connections) {
        return new Limits(maxLineBytes, connections, idleTimeout, maxQueuedMessages);
    }

    public Limits withIdleTimeout(Duration idle) {
        return new Limits(maxLineBytes, maxConnections, idle, maxQueuedMessages);
    }

    public Limits withMaxQueuedMessages(int messages) {
        return new Limits(maxLineBytes, maxConnections, idleTimeout, messages);
    }
}
