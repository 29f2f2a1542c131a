package dev.custody.bench.journal;

import org.HdrHistogram.Histogram;

/**
 * What one measured phase did: calls answered, decisions that changed state (and so were journaled),
 * the kernel events in them, and the answer latency; {@code latency} is null for the pure model,
 * which has no answer to wait for.
 */
record Throughput(long calls, long decisions, long events, double seconds, Histogram latency) {

    double callsPerSecond() {
        return calls / seconds;
    }

    double decisionsPerSecond() {
        return decisions / seconds;
    }

    double eventsPerSecond() {
        return events / seconds;
    }

    double latencyMicros(double percentile) {
        return latency == null ? Double.NaN : latency.getValueAtPercentile(percentile) / 1000.0;
    }
}
