package dev.custody.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.invariants.Violation;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The run's report for people (terminal) and machines (JSON). Everything but the timing figures is a
 * function of the seed in deterministic runs, so two runs of one seed print the same lines; JSON puts
 * every timing figure under one "timing" key.
 */
public final class SimReport {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private SimReport() {}

    public static String text(SimResult r) {
        StringBuilder out = new StringBuilder();
        SimSettings s = r.settings();
        out.append(String.format(
                "custody simulate: seed %d, %d groups, %s, %s engine%s%n",
                s.seed(),
                s.groups(),
                s.deterministic() ? "deterministic" : "concurrent",
                s.actors() ? "actor (" + s.journalName() + ")" : "pure-model",
                (s.mutants().isEmpty()
                                ? ""
                                : ", mutant " + s.mutants().iterator().next().cliName())
                        + (s.check() == CheckMode.FULL ? ", full checks" : "")
                        + (s.activeGroups() < s.groups() ? ", agents on the first " + s.activeGroups() : "")));
        out.append(String.format(
                "operations %d, invariant checks %d, violations %d%n",
                r.operations(),
                r.checks(),
                r.violation().map(f -> f.violations().size()).orElse(0)));
        out.append(
                String.format("throughput %.0f ops/s over %.2f s%n", r.operationsPerSecond(), r.elapsedNanos() / 1e9));
        if (r.coverage().pairs() > 0) {
            out.append(String.format(
                    "coverage%s: %d (operation, outcome) pairs, %d with group shape, %d shapes, %d rule branches;"
                            + " %d calls refused%n",
                    s.deterministic() ? " (" + s.schedule().cliName() + " schedule)" : "",
                    r.coverage().pairs(),
                    r.coverage().triples(),
                    r.coverage().shapes(),
                    r.coverage().branches(),
                    r.coverage().refused()));
        }
        out.append(String.format(
                "%n%-20s %-40s %10s %10s %10s%n", "operation", "outcomes", "p50 us", "p99 us", "p99.9 us"));
        for (Map.Entry<String, Map<String, Long>> op : r.outcomes().entrySet()) {
            Histogram h = r.latencies().get(op.getKey());
            out.append(String.format(
                    "%-20s %-40s %10.1f %10.1f %10.1f%n",
                    op.getKey(), outcomes(op.getValue()), micros(h, 50), micros(h, 99), micros(h, 99.9)));
        }
        r.violation().ifPresent(f -> {
            out.append(String.format("%nVIOLATION at operation %d:%n", f.step()));
            for (Violation v : f.violations()) {
                out.append("  ")
                        .append(v.invariant())
                        .append(" ")
                        .append(v.objects())
                        .append(": ")
                        .append(v.message())
                        .append('\n');
            }
            out.append(String.format(
                    "minimal trace (%d calls%s, seed %d):%n",
                    f.minimal().size(),
                    f.startsAfter() > 0 ? " from the state after call " + f.startsAfter() + " of the run" : "",
                    s.seed()));
            f.note().ifPresent(note -> out.append("  (").append(note).append(")\n"));
            for (int i = 0; i < f.minimal().size(); i++) {
                TraceEntry e = f.minimal().get(i);
                out.append(String.format(
                        "  %3d. %-14s %s -> %s%n",
                        i + 1, e.agent(), e.command(), e.outcome().resultName()));
            }
        });
        return out.toString();
    }

    public static ObjectNode json(SimResult r) {
        ObjectNode root = JSON.objectNode();
        SimSettings s = r.settings();
        root.put("seed", s.seed());
        root.put("groups", s.groups());
        root.put("deterministic", s.deterministic());
        root.put("engine", s.actors() ? "actors" : "rules");
        root.put("journal", s.actors() ? s.journalName() : null);
        root.put(
                "mutant",
                s.mutants().isEmpty() ? null : s.mutants().iterator().next().cliName());
        root.put("activeGroups", s.activeGroups());
        root.put("check", s.check().cliName());
        root.put("schedule", s.deterministic() ? s.schedule().cliName() : null);
        root.put("ops", r.operations());
        root.put("opsPerSecond", Math.round(r.operationsPerSecond())); // a timing figure, repeated under "timing"
        root.put("checks", r.checks());
        root.put("violations", r.violation().map(f -> f.violations().size()).orElse(0));
        ObjectNode outcomes = root.putObject("outcomes");
        r.outcomes().forEach((op, counts) -> {
            ObjectNode node = outcomes.putObject(op);
            counts.forEach(node::put);
        });
        ObjectNode coverage = root.putObject("coverage");
        coverage.put("pairs", r.coverage().pairs());
        coverage.put("triples", r.coverage().triples());
        coverage.put("shapes", r.coverage().shapes());
        coverage.put("branches", r.coverage().branches());
        coverage.put("refused", r.coverage().refused());
        if (s.deterministic() && s.schedule() == Schedule.GUIDED) {
            coverage.put("refusalShare", s.refusalShare());
            coverage.put("aimedAtRefusal", r.coverage().aimedAtRefusal());
        }
        r.violation().ifPresent(f -> {
            ObjectNode violation = root.putObject("violation");
            violation.put("step", f.step());
            ArrayNode list = violation.putArray("invariants");
            f.violations()
                    .forEach(v -> list.addObject()
                            .put("invariant", v.invariant())
                            .put("message", v.message())
                            .set(
                                    "objects",
                                    JSON.arrayNode()
                                            .addAll(v.objects().stream()
                                                    .map(JSON::textNode)
                                                    .toList())));
            violation.put("minimalTraceStartsAfter", f.startsAfter());
            f.note().ifPresent(note -> violation.put("minimalTraceNote", note));
            ArrayNode trace = violation.putArray("minimalTrace");
            f.minimal()
                    .forEach(e -> trace.addObject()
                            .put("agent", e.agent())
                            .put("call", e.command().toString())
                            .put("result", e.outcome().resultName()));
        });
        ObjectNode timing = root.putObject("timing");
        timing.put("seconds", r.elapsedNanos() / 1e9);
        timing.put("opsPerSecond", Math.round(r.operationsPerSecond()));
        timing.put("cpuSeconds", r.cpuNanos() / 1e9);
        timing.put("opsPerCpuSecond", Math.round(r.operationsPerCpuSecond()));
        ObjectNode latency = timing.putObject("latencyMicros");
        r.latencies()
                .forEach((op, h) -> latency.putObject(op)
                        .put("p50", micros(h, 50))
                        .put("p99", micros(h, 99))
                        .put("p999", micros(h, 99.9)));
        return root;
    }

    private static String outcomes(Map<String, Long> counts) {
        StringBuilder text = new StringBuilder();
        counts.forEach((result, count) -> text.append(text.isEmpty() ? "" : " ")
                .append(result)
                .append('=')
                .append(count));
        return text.length() > 40 ? text.substring(0, 37) + "..." : text.toString();
    }

    static double micros(Histogram h, double percentile) {
        return h == null ? 0 : h.getValueAtPercentile(percentile) / (double) TimeUnit.MICROSECONDS.toNanos(1);
    }
}
