package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.Outcome;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Outcome counts per operation and result, and latency per operation kind. */
final class Stats {
    private final Map<String, Map<String, Long>> outcomes = new TreeMap<>();
    private final Map<String, Histogram> latencies = new TreeMap<>();
    private long operations;

    synchronized void record(Command<?> command, Outcome<?> outcome, long nanos) {
        String op = command.getClass().getSimpleName();
        outcomes.computeIfAbsent(op, o -> new TreeMap<>()).merge(outcome.resultName(), 1L, Long::sum);
        latencies
                .computeIfAbsent(op, o -> new Histogram(TimeUnit.SECONDS.toNanos(60), 3))
                .recordValue(Math.max(1, Math.min(nanos, TimeUnit.SECONDS.toNanos(60))));
        operations++;
    }

    synchronized long operations() {
        return operations;
    }

    synchronized Map<String, Map<String, Long>> outcomes() {
        Map<String, Map<String, Long>> copy = new TreeMap<>();
        outcomes.forEach((op, counts) -> copy.put(op, new TreeMap<>(counts)));
        return copy;
    }

    synchronized Map<String, Histogram> latencies() {
        Map<String, Histogram> copy = new TreeMap<>();
        latencies.forEach((op, h) -> copy.put(op, h.copy()));
        return copy;
    }
}
