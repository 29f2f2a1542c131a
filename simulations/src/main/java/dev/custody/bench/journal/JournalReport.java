package dev.custody.bench.journal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The journal benchmark's figures side by side, as a table or as a plain tree for JSON. */
public record JournalReport(
        JournalBenchSettings settings, int groups, Throughput model, List<JournalResult> journals, KryoCost kryo) {

    /** The targets, printed beside the figures. */
    static final double TARGET_H2_EVENTS = 20_000;

    static final double TARGET_POSTGRES_EVENTS = 10_000;
    static final double TARGET_RECOVERY_EVENTS = 100_000;

    public String toText() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "workload: %d callers with one call in flight each, %d groups; %.1f s measured after %.1f s warm-up%n",
                settings.callers(),
                groups,
                settings.measureMillis() / 1000.0,
                settings.warmupMillis() / 1000.0));
        out.append(String.format(
                Locale.ROOT,
                "%-10s %10s %12s %10s %9s %9s %9s %9s %9s%n",
                "journal",
                "calls/s",
                "decisions/s",
                "events/s",
                "model/x",
                "p50 ms",
                "p99 ms",
                "rows/dec",
                "rows/s"));
        row(out, "model", model, Double.NaN, Double.NaN);
        for (JournalResult journal : journals) {
            row(
                    out,
                    journal.journal(),
                    journal.throughput(),
                    journal.coordinatorRowsPerDecision() + journal.entityRowsPerDecision(),
                    journal.rowsPerSecond());
        }
        out.append(String.format(
                Locale.ROOT,
                "%n%-10s %10s %10s %12s %10s %14s %14s%n",
                "recovery",
                "records",
                "replay s",
                "records/s",
                "events",
                "events/s",
                "snapshot s"));
        for (JournalResult journal : journals) {
            Recovery r = journal.recovery();
            if (r != null) {
                out.append(String.format(
                        Locale.ROOT,
                        "%-10s %10d %10.3f %12.0f %10d %14.0f %14.3f%n",
                        journal.journal(),
                        r.records(),
                        r.fullReplaySeconds(),
                        r.recordsPerSecond(),
                        r.kernelEvents(),
                        r.kernelEventsPerSecond(),
                        r.withSnapshotsSeconds()));
            }
        }
        out.append(String.format(
                Locale.ROOT,
                "%nkryo       %-36s %8.1f bytes %8.0f ns per serialize+deserialize (%d samples)%n",
                "Stamped (entity row, one event)",
                kryo.stampedBytes(),
                kryo.stampedNanos(),
                kryo.stampedSamples()));
        out.append(String.format(
                Locale.ROOT,
                "kryo       %-36s %8.1f bytes %8.0f ns per serialize+deserialize (%d samples)%n",
                "DecisionTaken (intent, all events)",
                kryo.decisionBytes(),
                kryo.decisionNanos(),
                kryo.decisionSamples()));
        out.append(String.format(
                Locale.ROOT,
                "%nevents/s: kernel events made durable (one entity row each); model/x: the pure"
                        + " model's calls/s over this journal's;%nrows/dec: journal rows per decision (intent, marks and entity rows);"
                        + " targets: %,.0f events/s on H2, %,.0f on PostgreSQL, recovery %,.0f events/s%n",
                TARGET_H2_EVENTS,
                TARGET_POSTGRES_EVENTS,
                TARGET_RECOVERY_EVENTS));
        return out.toString();
    }

    private void row(StringBuilder out, String name, Throughput t, double rowsPerDecision, double rowsPerSecond) {
        out.append(String.format(
                Locale.ROOT,
                "%-10s %10.0f %12.0f %10.0f %9s %9s %9s %9s %9s%n",
                name,
                t.callsPerSecond(),
                t.decisionsPerSecond(),
                t.eventsPerSecond(),
                t == model ? "1" : fixed(model.callsPerSecond() / t.callsPerSecond(), 1),
                fixed(t.latencyMicros(50) / 1000, 2),
                fixed(t.latencyMicros(99) / 1000, 2),
                fixed(rowsPerDecision, 2),
                fixed(rowsPerSecond, 0)));
    }

    private static String fixed(double value, int decimals) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%." + decimals + "f", value) : "-";
    }

    /** A plain tree for Jackson; a figure that was not measured becomes null. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        Map<String, Object> settingsJson = new LinkedHashMap<>();
        settingsJson.put("callers", settings.callers());
        settingsJson.put("warmup_ms", settings.warmupMillis());
        settingsJson.put("measure_ms", settings.measureMillis());
        json.put("settings", settingsJson);
        json.put("groups", groups);
        json.put("model", throughput(model));
        List<Map<String, Object>> list = new ArrayList<>();
        for (JournalResult journal : journals) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("journal", journal.journal());
            entry.putAll(throughput(journal.throughput()));
            entry.put(
                    "model_calls_per_journal_call",
                    orNull(model.callsPerSecond() / journal.throughput().callsPerSecond()));
            entry.put("coordinator_rows_per_decision", orNull(journal.coordinatorRowsPerDecision()));
            entry.put("entity_rows_per_decision", orNull(journal.entityRowsPerDecision()));
            entry.put("rows_per_second", orNull(journal.rowsPerSecond()));
            Recovery r = journal.recovery();
            if (r != null) {
                Map<String, Object> recovery = new LinkedHashMap<>();
                recovery.put("records_replayed", r.records());
                recovery.put("kernel_events_replayed", r.kernelEvents());
                recovery.put("full_replay_seconds", r.fullReplaySeconds());
                recovery.put("records_per_second", r.recordsPerSecond());
                recovery.put("kernel_events_per_second", r.kernelEventsPerSecond());
                recovery.put("start_with_snapshots_seconds", r.withSnapshotsSeconds());
                entry.put("recovery", recovery);
            }
            list.add(entry);
        }
        json.put("journals", list);
        Map<String, Object> kryoJson = new LinkedHashMap<>();
        kryoJson.put("stamped_bytes", orNull(kryo.stampedBytes()));
        kryoJson.put("stamped_ns_round_trip", orNull(kryo.stampedNanos()));
        kryoJson.put("decision_taken_bytes", orNull(kryo.decisionBytes()));
        kryoJson.put("decision_taken_ns_round_trip", orNull(kryo.decisionNanos()));
        json.put("kryo", kryoJson);
        json.put(
                "targets",
                Map.of(
                        "h2_events_per_second",
                        TARGET_H2_EVENTS,
                        "postgres_events_per_second",
                        TARGET_POSTGRES_EVENTS,
                        "recovery_events_per_second",
                        TARGET_RECOVERY_EVENTS));
        return json;
    }

    private static Map<String, Object> throughput(Throughput t) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("calls", t.calls());
        json.put("decisions", t.decisions());
        json.put("events", t.events());
        json.put("seconds", t.seconds());
        json.put("calls_per_second", t.callsPerSecond());
        json.put("decisions_per_second", t.decisionsPerSecond());
        json.put("events_per_second", t.eventsPerSecond());
        json.put("latency_p50_ms", orNull(t.latencyMicros(50) / 1000));
        json.put("latency_p99_ms", orNull(t.latencyMicros(99) / 1000));
        return json;
    }

    private static Double orNull(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
