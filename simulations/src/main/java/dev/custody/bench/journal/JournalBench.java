package dev.custody.bench.journal;

import dev.custody.persistence.JournalCredentials;
import dev.custody.persistence.Journals;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The whole journal benchmark in one JVM: the pure model, then the actors on the in-memory journal,
 * on H2 in a temporary directory (deleted afterwards) and, when given one, on PostgreSQL.
 */
public final class JournalBench {
    private JournalBench() {}

    public record Postgres(String url, String user, String password) {
        /** The record's own toString would print the password. */
        @Override
        public String toString() {
            return "Postgres[" + JournalCredentials.redacted(url) + ", user " + user + "]";
        }
    }

    public static JournalReport run(JournalBenchSettings settings, Optional<Postgres> postgres) {
        return run(settings, postgres, Optional.empty());
    }

    /** On a host of {@code groups} IOMMU groups when given, else on twice the callers' (at least 16). */
    public static JournalReport run(
            JournalBenchSettings settings, Optional<Postgres> postgres, Optional<Integer> groups) {
        Workload workload =
                groups.map(g -> Workload.of(settings.callers(), g)).orElseGet(() -> Workload.of(settings.callers()));
        progress("the pure model on one thread");
        ModelRun.Result model = ModelRun.run(workload, settings.warmupMillis(), settings.measureMillis());
        progress("Kryo on the model's records");
        KryoCost kryo = KryoCost.measure(model.samples(), 3_000);
        List<JournalResult> journals = new ArrayList<>();
        progress("actors on the in-memory journal");
        journals.add(JournalRun.run(new JournalTarget("memory", Journals.inMemory()), workload, settings));
        Path h2 = TemporaryDirectory.create("custody-bench-h2");
        try {
            progress("actors on H2 (then two restarts)");
            journals.add(JournalRun.run(new JournalTarget("h2", Journals.h2(h2)), workload, settings));
        } finally {
            TemporaryDirectory.delete(h2);
        }
        if (postgres.isPresent()) {
            progress("actors on PostgreSQL (then two restarts)");
            Postgres pg = postgres.get();
            journals.add(JournalRun.run(
                    new JournalTarget("postgres", Journals.postgres(pg.url(), pg.user(), pg.password())),
                    workload,
                    settings));
        }
        return new JournalReport(settings, workload.groups(), model.throughput(), List.copyOf(journals), kryo);
    }

    private static void progress(String what) {
        System.err.println("custody bench journal: " + what + " ...");
    }
}
