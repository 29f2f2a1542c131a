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
 * {@code minimal} the shortest command sequence found that still breaks it ({@link Failure}); {@code timeline} the
 * ownership of each group after every step that changed it. {@code cpuNanos} is the process's CPU
 * time over the same span as {@code elapsedNanos}; {@code coverage} what the run reached ({@link Coverage}).
 */
public record SimResult(
        SimSettings settings,
        Topology topology,
        long operations,
        long elapsedNanos,
        long cpuNanos,
        Map<String, Map<String, Long>> outcomes,
        Map<String, Histogram> latencies,
        long checks,
        Optional<Failure> violation,
        List<OwnershipPoint> timeline,
        List<Long> throughputPerSecond,
        CoverageSummary coverage) {

    /**
     * The first broken check at call {@code step}. {@code minimal} breaks it again from boot, unless
     * {@code startsAfter} is above 0: then it breaks it from the state after that many calls of the run,
     * which the run did not keep ({@link TraceWindow}) and could not decide again from its seed. {@code
     * note} says how the trace was found when the run had dropped calls.
     */
    public record Failure(
            long step, List<Violation> violations, List<TraceEntry> minimal, long startsAfter, Optional<String> note) {
        public Failure(long step, List<Violation> violations, List<TraceEntry> minimal) {
            this(step, violations, minimal, 0, Optional.empty());
        }
    }

    /** Group {@code group} after operation {@code step}: owner (or the kernel) and its domain. */
    public record OwnershipPoint(long step, int group, String owner, int ownerCnt, String domain) {}

    public double operationsPerSecond() {
        return elapsedNanos == 0 ? 0 : operations * 1e9 / elapsedNanos;
    }

    /**
     * Operations per second of the process's CPU time (every thread: deciding, checking, journaling,
     * collecting): on a machine shared with other work this varies far less than the wall-clock rate.
     */
    public double operationsPerCpuSecond() {
        return cpuNanos == 0 ? 0 : operations * 1e9 / cpuNanos;
    }

    public List<Command<?>> minimalCommands() {
        return violation
                .map(f -> f.minimal().stream().map(TraceEntry::command).toList())
                .orElse(List.of());
    }
}
