package dev.custody.entity;

import java.time.Duration;

/**
 * How one coordinator runs. {@code entitySnapshotEvery} and {@code coordinatorSnapshotEvery}: journal
 * records between snapshots of each entity and of the coordinator (0: none, for a journal without a
 * snapshot store). {@code journalPluginId}: the coordinator's journal plugin, one whose writes are on
 * stable storage when they complete (empty: the default journal, durable on its own). Entity actors
 * unused for {@code passivateAfter} are stopped, and at most {@code maxLiveEntities} run when more are
 * idle. An entity stuck on a journal it cannot recover from is probed again after {@code
 * stuckProbeAfter}, then less often ({@link EntityHealth}).
 */
public record CoordinatorSettings(
        int entitySnapshotEvery,
        int coordinatorSnapshotEvery,
        String journalPluginId,
        Duration passivateAfter,
        int maxLiveEntities,
        Duration stuckProbeAfter) {

    public static final Duration DEFAULT_PASSIVATE_AFTER = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_LIVE_ENTITIES = 5_000;

    /** The defaults with {@code snapshotEvery} for the entities and twenty times as many records for the coordinator (its snapshot holds the whole machine and the recent operation ids, some hundreds of kilobytes). */
    public static CoordinatorSettings of(int snapshotEvery) {
        return new CoordinatorSettings(
                snapshotEvery,
                snapshotEvery * 20,
                "",
                DEFAULT_PASSIVATE_AFTER,
                DEFAULT_MAX_LIVE_ENTITIES,
                EntityHealth.FIRST_PROBE_AFTER);
    }
}
