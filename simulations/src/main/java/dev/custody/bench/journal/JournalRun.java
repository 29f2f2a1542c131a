package dev.custody.bench.journal;

import com.typesafe.config.Config;
import dev.custody.api.ActorEngine;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.persistence.SchemaCreator;
import dev.custody.rules.Kernel;
import java.time.Duration;
import java.util.UUID;

/**
 * The workload on one journal, then (on a durable journal) two restarts of the same engine in new
 * actor systems: one without snapshots, which replays the coordinator's whole journal, and one as an
 * application starts, from the newest snapshot.
 */
final class JournalRun {
    private JournalRun() {}

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    static JournalResult run(JournalTarget target, Workload workload, JournalBenchSettings settings) {
        SchemaCreator.createIfMissing(target.config());
        String instance = "bench-" + UUID.randomUUID().toString().substring(0, 8); // a PostgreSQL database is reused
        ActorRun.Result result;
        try (ActorEngine engine = ActorEngine.onJournal(target.config(), instance, TIMEOUT)) {
            if (!engine.boot(workload.topology()).outcome().isOk()) {
                throw new IllegalStateException("the bench machine does not boot on " + target.name());
            }
            result = ActorRun.run(engine, workload, settings.warmupMillis(), settings.measureMillis());
        }
        if (!target.isJdbc()) {
            return new JournalResult(target.name(), result.throughput(), Double.NaN, Double.NaN, null);
        }
        long[] rows = target.rows(instance);
        long bootEvents = Kernel.boot(workload.topology()).events().size();
        double full = timedStart(target.withoutSnapshots(), instance, workload);
        double snapshotted = timedStart(target.config(), instance, workload);
        Recovery recovery = new Recovery(rows[0], result.totalEvents() + bootEvents, full, snapshotted);
        long decisions = result.totalDecisions() + 1; // the boot decision
        return new JournalResult(
                target.name(),
                result.throughput(),
                (double) rows[0] / decisions,
                (double) rows[1] / decisions,
                recovery);
    }

    /**
     * Seconds from {@code EngineAdmin.start} to the answer of {@code state()}, in a new actor system. A
     * throw-away engine starts first, so the connection pool and plugins are up before the clock runs.
     */
    static double timedStart(Config config, String instance, Workload workload) {
        try (CustodyRuntime runtime = CustodyRuntime.start(config)) {
            EngineAdmin warm = EngineAdmin.start(
                            runtime,
                            instance + "-warm" + UUID.randomUUID().toString().substring(0, 4),
                            workload.topology(),
                            TIMEOUT)
                    .toCompletableFuture()
                    .join();
            warm.stop().toCompletableFuture().join();
            long start = System.nanoTime();
            EngineAdmin custody = EngineAdmin.start(runtime, instance, workload.topology(), TIMEOUT)
                    .toCompletableFuture()
                    .join();
            custody.state().toCompletableFuture().join();
            double seconds = (System.nanoTime() - start) / 1e9;
            custody.stop().toCompletableFuture().join();
            return seconds;
        }
    }
}
