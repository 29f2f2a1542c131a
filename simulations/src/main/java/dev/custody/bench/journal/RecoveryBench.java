package dev.custody.bench.journal;

import com.typesafe.config.Config;
import dev.custody.api.ActorEngine;
import dev.custody.api.CustodyRuntime;
import dev.custody.persistence.Journals;
import dev.custody.persistence.SchemaCreator;
import dev.custody.replay.JournalHistory;
import dev.custody.replay.JournalReader;
import dev.custody.replay.Replay;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Recovery after a kill as the journal grows: for each length, a fresh H2 journal is written by the
 * journal benchmark's workload, the engine is halted as a crash would stop it, and a new actor
 * system starts it again, once replaying the whole journal (snapshots off) and once from the newest
 * snapshot; then `custody replay`'s reader folds the whole journal through the pure model.
 */
public final class RecoveryBench {
    private RecoveryBench() {}

    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    /**
     * One journal length on a host of {@code groups}: seconds to write it, to restart without and
     * with snapshots, to replay it; and its size on disk after the run, beside the size H2 compacts it
     * to.
     */
    public record Point(
            int groups,
            long events,
            long decisions,
            double writeSeconds,
            double restartFullSeconds,
            double restartSnapshotSeconds,
            double readSeconds,
            double foldSeconds,
            long fileBytes,
            long compactedBytes) {
        public double bytesPerEvent() {
            return (double) fileBytes / events;
        }

        public double compactedBytesPerEvent() {
            return (double) compactedBytes / events;
        }

        public double replaySeconds() {
            return readSeconds + foldSeconds;
        }

        public double replayEventsPerSecond() {
            return events / replaySeconds();
        }

        public double fullRestartEventsPerSecond() {
            return events / restartFullSeconds;
        }
    }

    public static List<Point> run(List<Long> lengths, int callers) {
        return run(lengths, callers, Workload.defaultGroups(callers));
    }

    public static List<Point> run(List<Long> lengths, int callers, int groups) {
        List<Point> points = new ArrayList<>();
        for (long length : lengths) {
            points.add(measure(length, Workload.of(callers, groups)));
        }
        return points;
    }

    /** The host size the benchmark uses when none is given. */
    public static int defaultGroups(int callers) {
        return Workload.defaultGroups(callers);
    }

    private static Point measure(long length, Workload workload) {
        Path dir = TemporaryDirectory.create("custody-recovery-bench");
        try {
            Config config = Journals.h2(dir);
            SchemaCreator.createIfMissing(config);
            String instance = "recovery";
            long written;
            double writeSeconds;
            try (CustodyRuntime runtime = CustodyRuntime.start(config)) {
                ActorEngine engine = new ActorEngine(runtime, instance, TIMEOUT);
                if (!engine.boot(workload.topology()).outcome().isOk()) {
                    throw new IllegalStateException("the bench machine does not boot");
                }
                long start = System.nanoTime();
                written = ActorRun.writeEvents(engine, workload, length);
                writeSeconds = (System.nanoTime() - start) / 1e9;
                engine.admin()
                        .halt()
                        .toCompletableFuture()
                        .join(); // stopped as a kill stops it: nothing is flushed on purpose
            }
            JournalFootprint footprint = JournalFootprint.of(dir); // as the killed engine left it
            JournalTarget target = new JournalTarget("h2", config);
            double full = JournalRun.timedStart(target.withoutSnapshots(), instance, workload);
            double snapshotted = JournalRun.timedStart(config, instance, workload);
            long start = System.nanoTime();
            JournalHistory history = JournalReader.read(config, instance);
            double read = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            Replay.fold(history);
            double fold = (System.nanoTime() - start) / 1e9;
            return new Point(
                    workload.groups(),
                    written,
                    history.decisions().size(),
                    writeSeconds,
                    full,
                    snapshotted,
                    read,
                    fold,
                    footprint.fileBytes(),
                    footprint.compactedBytes());
        } finally {
            TemporaryDirectory.delete(dir);
        }
    }
}
