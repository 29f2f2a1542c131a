package dev.custody.sim;

import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.Outcome;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.trace.OwnershipTrace;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trace of a simulation ({@link OwnershipTrace}): every call at its place in decision order. Its
 * clock is the call's sequence number in a deterministic run (call n at n microseconds, so a seed
 * gives the same file), the wall clock since the machine booted otherwise; the file's
 * {@code otherData.clock} says which.
 */
public final class SimTrace implements DecisionObserver, AutoCloseable {
    private final OutputStream out;
    private final boolean sequenceClock;
    private OwnershipTrace trace;
    private long startNanos;
    private long seq;
    private long spentNanos;

    public SimTrace(OutputStream out, boolean sequenceClock) {
        this.out = out;
        this.sequenceClock = sequenceClock;
    }

    @Override
    public synchronized void started(KernelState booted) {
        startNanos = System.nanoTime();
        trace = new OwnershipTrace(out, booted, 0);
    }

    @Override
    public synchronized void decided(
            String agent,
            String operationId,
            Command<?> command,
            Outcome<?> outcome,
            KernelState before,
            KernelState after,
            List<KernelEvent> events,
            List<Violation> found) {
        long t0 = System.nanoTime();
        seq++;
        double ts = now();
        trace.decision(
                new OwnershipTrace.Call(
                        seq,
                        Operations.of(command).name(),
                        operationId,
                        agent,
                        outcome.resultName(),
                        outcome.explanation().orElse("")),
                ts,
                before,
                after,
                events);
        found.forEach(v -> trace.violation(seq, operationId, v, ts));
        spentNanos += System.nanoTime() - t0;
    }

    @Override
    public synchronized void failed(List<Violation> found) {
        double ts = sequenceClock ? seq + 1 : now();
        found.forEach(v -> trace.violation(seq, "", v, ts));
    }

    /** Closes the open spans and writes what the trace is; {@code about} adds the command's own facts. */
    public synchronized void finish(Map<String, ?> about) {
        long t0 = System.nanoTime();
        Map<String, Object> other = new LinkedHashMap<>(about);
        other.put(
                "clock",
                sequenceClock
                        ? "sequence: call n of the run at n microseconds (deterministic run)"
                        : "wall clock: microseconds since the machine booted, taken as each call's checks ran");
        trace.finish(other);
        spentNanos += System.nanoTime() - t0;
    }

    /**
     * Time spent deriving and writing the trace, on the calls' path (the run waits for it): what
     * {@code --trace} adds to a run, less what the lock adds between concurrent agents.
     */
    public synchronized long spentNanos() {
        return spentNanos;
    }

    @Override
    public synchronized void close() {
        if (trace != null) {
            trace.close();
        }
    }

    private double now() {
        return sequenceClock ? seq : (System.nanoTime() - startNanos) / 1000.0;
    }
}
