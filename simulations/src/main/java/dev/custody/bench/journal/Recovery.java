package dev.custody.bench.journal;

/**
 * A restart of the engine on its journal: the coordinator's records replayed (Started, decisions and
 * their applied marks, through Kryo and the event handler, which folds each decision into the kernel
 * state) and the time from {@code EngineAdmin.start} to its first {@code state()} answer. Without
 * snapshots every record is replayed; with them only those after the newest snapshot.
 */
record Recovery(long records, long kernelEvents, double fullReplaySeconds, double withSnapshotsSeconds) {

    double recordsPerSecond() {
        return records / fullReplaySeconds;
    }

    double kernelEventsPerSecond() {
        return kernelEvents / fullReplaySeconds;
    }
}
