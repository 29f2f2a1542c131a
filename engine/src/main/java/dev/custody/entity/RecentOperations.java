package dev.custody.entity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The last {@link #BOUND} operations whose callers gave their own ids, oldest first: what makes a retry
 * return the first answer, also after a restart (they are in the coordinator's snapshot and in every
 * journal record after it). An operation older than that is forgotten, and a retry of it is decided
 * again; at 10,000 operations a second that is one second of history, at the rate of a control
 * process (tens a second) many minutes.
 */
final class RecentOperations {

    /** How many caller-named operations are remembered. */
    static final int BOUND = 10_000;

    private final LinkedHashMap<String, RecentOperation> byKey = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RecentOperation> eldest) {
            return size() > BOUND;
        }
    };

    void remember(RecentOperation operation) {
        byKey.remove(operation.key()); // a used id answered again moves to the newest end
        byKey.put(operation.key(), operation);
    }

    Optional<RecentOperation> find(String caller, String operationId) {
        return Optional.ofNullable(byKey.get(RecentOperation.key(caller, operationId)));
    }

    /** Oldest first, as they are remembered again from a snapshot. */
    List<RecentOperation> list() {
        return new ArrayList<>(byKey.values());
    }

    int size() {
        return byKey.size();
    }
}
