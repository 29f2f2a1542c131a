package dev.custody.bench.journal;

import dev.custody.api.KernelEngine;
import dev.custody.model.Command;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Drives one engine with every caller keeping one call in flight (so {@code callers} asks are
 * outstanding at once: one caller would measure latency, not throughput). A warm-up phase first,
 * then the measured phase; the callers carry on their scripts across the two.
 */
final class ActorRun {
    private ActorRun() {}

    /** Operation ids of the calls, unique within the process (the journal records them). */
    private static final AtomicLong OPERATIONS = new AtomicLong();

    /** The measured phase, and the events of both phases (what a full recovery replays). */
    record Result(Throughput throughput, long totalDecisions, long totalEvents) {}

    static Result run(KernelEngine engine, Workload workload, long warmupMillis, long measureMillis) {
        List<OwnershipCaller> callers = workload.newCallers();
        Phase warmup = Phase.run(engine, callers, warmupMillis);
        Phase measured = Phase.run(engine, callers, measureMillis);
        Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        measured.latencies.forEach(latency::add);
        Throughput throughput = new Throughput(
                measured.calls.get(), measured.decisions.get(), measured.events.get(), measured.seconds, latency);
        return new Result(
                throughput,
                warmup.decisions.get() + measured.decisions.get(),
                warmup.events.get() + measured.events.get());
    }

    /**
     * Runs the workload until at least {@code events} kernel events have been journaled (in phases of
     * two seconds, the callers carrying on their scripts), and returns how many were.
     */
    static long writeEvents(KernelEngine engine, Workload workload, long events) {
        List<OwnershipCaller> callers = workload.newCallers();
        long written = 0;
        while (written < events) {
            written += Phase.run(engine, callers, 2000).events.get();
        }
        return written;
    }

    /** One phase: every caller loops until the deadline, then the phase waits for the last answers. */
    private static final class Phase {
        final AtomicLong calls = new AtomicLong();
        final AtomicLong decisions = new AtomicLong();
        final AtomicLong events = new AtomicLong();
        /** One per caller: a caller's answers arrive one after another, so its histogram needs no lock. */
        final List<Histogram> latencies = new ArrayList<>();

        double seconds;

        static Phase run(KernelEngine engine, List<OwnershipCaller> callers, long millis) {
            Phase phase = new Phase();
            long start = System.nanoTime();
            long deadline = start + millis * 1_000_000;
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (OwnershipCaller caller : callers) {
                Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                phase.latencies.add(histogram);
                CompletableFuture<Void> finished = new CompletableFuture<>();
                done.add(finished);
                phase.issue(engine, caller, histogram, deadline, finished);
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
            phase.seconds = (System.nanoTime() - start) / 1e9;
            return phase;
        }

        /** One call; its answer issues the caller's next (the ask completes later, so no stack builds up). */
        private void issue(
                KernelEngine engine,
                OwnershipCaller caller,
                Histogram histogram,
                long deadline,
                CompletableFuture<Void> finished) {
            if (System.nanoTime() >= deadline) {
                finished.complete(null);
                return;
            }
            Command<?> command = caller.next();
            long sent = System.nanoTime();
            engine.submit(command, "bench-" + OPERATIONS.incrementAndGet()).whenComplete((decision, failure) -> {
                if (failure != null) {
                    finished.completeExceptionally(failure);
                    return;
                }
                histogram.recordValue(System.nanoTime() - sent);
                calls.incrementAndGet();
                if (!decision.events().isEmpty()) {
                    decisions.incrementAndGet();
                    events.addAndGet(decision.events().size());
                }
                caller.observe(decision.outcome());
                issue(engine, caller, histogram, deadline, finished);
            });
        }
    }
}
