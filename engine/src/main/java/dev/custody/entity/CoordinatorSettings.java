package dev.custody.entity;

import java.time.Duration;

/**
 * How one coordinator runs. {@code entitySnapshotEvery} and {@code coordinatorSnapshotEvery}: journal
 * records between snapshots of each entity and of the coordinator (0: none, for a journal without a
 * snapshot store). {@code journalPluginId}: the coordinator's journal plugin, one whose writes are on
 * stable storage when they complete (empty: the default journal, durable on its own). Entity actors
 * unused for {@code passivateAfter} are stopped, and at most {@code maxLiveEntities} run when more are
 * idle. An entity stuck on a journal it cannot recover from is probed again after {@code
 * stuckProbeAfter}, then less often ({@link EntityHealth}). A durable decision waits up to {@code
 * gatherFor} before it is sent to its entities, so that each writes the decisions of that while in one
 * journal write ({@link DecisionDelivery}; zero: each decision is sent at once).
 */
public record CoordinatorSettings(
        int entitySnapshotEvery,
        int coordinatorSnapshotEvery,
        String journalPluginId,
        Duration passivateAfter,
        int maxLiveEntities,
        Duration stuckProbeAfter,
        Duration gatherFor) {

    public static final Duration DEFAULT_PASSIVATE_AFTER = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_LIVE_ENTITIES = 5_000;

    /**
     * 20 ms: with the entities on their own dispatcher, `custody bench journal` (32 callers) made
     * 1.17-1.35 times the decisions per second in memory, and 1.28-1.59 on H2, of an engine that sent
     * each decision at once to entities on the shared dispatcher (docs/BENCHMARKS.md, "Gathered entity
     * writes on threads of their own"). An entity's journal then lags its coordinator's by a few tens of
     * milliseconds, which nobody waits for: an inspection, a page-table read or a quiet waiter releases
     * what it needs at once.
     */
    public static final Duration DEFAULT_GATHER_FOR = Duration.ofMillis(20);

    /** The defaults with {@code snapshotEvery} for the entities and twenty times as many records for the coordinator (its snapshot holds the whole machine and the recent operation ids, some hundreds of kilobytes). */
    public static CoordinatorSettings of(int snapshotEvery) {
        return new CoordinatorSettings(
                snapshotEvery,
                snapshotEvery * 20,
                "",
                DEFAULT_PASSIVATE_AFTER,
                DEFAULT_MAX_LIVE_ENTITIES,
                EntityHealth.FIRST_PROBE_AFTER,
                DEFAULT_GATHER_FOR);
    }
}
