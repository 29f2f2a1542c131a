package dev.custody.sim;

import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.HdrHistogram.Histogram;

/**
 * What a run came to. {@code violation} is the first broken check, with the step that broke it;
 * {@code minimal} the shortest command sequence found that still breaks it; {@code timeline} the
 * ownership of each group after every step that changed it.
 */
public record SimResult(
        SimSettings settings,
        Topology topology,
        long operations,
        long elapsedNanos,
        Map<String, Map<String, Long>> outcomes,
        Map<String, Histogram> latencies,
        long checks,
        Optional<Failure> violation,
        List<OwnershipPoint> timeline,
        List<Long> throughputPerSecond) {

    public record Failure(long step, List<Violation> violations, List<TraceEntry> minimal) {}

    /** Group {@code group} after operation {@code step}: owner (or the kernel) and its domain. */
    public record OwnershipPoint(long step, int group, String owner, int ownerCnt, String domain) {}

    public double operationsPerSecond() {
        return elapsedNanos == 0 ? 0 : operations * 1e9 / elapsedNanos;
    }

    public List<Command<?>> minimalCommands() {
        return violation
                .map(f -> f.minimal().stream().map(TraceEntry::command).toList())
                .orElse(List.of());
    }
}
