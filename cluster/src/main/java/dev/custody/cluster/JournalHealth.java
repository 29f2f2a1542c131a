package dev.custody.cluster;

import java.util.Optional;

/**
 * Whether the journal this node's engines share last failed them or last worked: the engines of a
 * node all write to one database, so one engine's failed write says the journal is gone for an engine
 * that is still starting (its recovery waits for the same database and reports nothing until it
 * gives up).
 */
final class JournalHealth {
    private volatile String failure;

    void failed(String why) {
        failure = why;
    }

    void works() {
        failure = null;
    }

    /** The last failure, while no engine of this node has written or recovered since. */
    Optional<String> failing() {
        return Optional.ofNullable(failure);
    }
}
