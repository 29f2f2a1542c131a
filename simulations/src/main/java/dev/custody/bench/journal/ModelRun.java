package dev.custody.bench.journal;

import dev.custody.api.ModelEngine;
import dev.custody.entity.KernelJournal;
import dev.custody.entity.Stamped;
import dev.custody.model.Command;
import dev.custody.rules.Decision;
import java.util.ArrayList;
import java.util.List;

/**
 * The pure model on one thread, the callers taking turns: the rate the rules alone allow, which the
 * actor runs are divided by. Also collects the journal records the first decisions would write, as
 * realistic samples for the Kryo measurement.
 */
final class ModelRun {
    private ModelRun() {}

    record Result(Throughput throughput, List<Object> samples) {}

    static Result run(Workload workload, long warmupMillis, long measureMillis) {
        List<OwnershipCaller> callers = workload.newCallers();
        ModelEngine engine = ModelEngine.booted(workload.topology(), java.util.Set.of());
        List<Object> samples = new ArrayList<>();
        loop(callers, engine, warmupMillis, samples, new long[3]);
        long[] counts = new long[3];
        long start = System.nanoTime();
        loop(callers, engine, measureMillis, null, counts);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(new Throughput(counts[0], counts[1], counts[2], seconds, null), List.copyOf(samples));
    }

    /** counts: calls, decisions with events, events. */
    private static void loop(
            List<OwnershipCaller> callers, ModelEngine engine, long millis, List<Object> samples, long[] counts) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        long seq = 1;
        while (System.nanoTime() < deadline) {
            for (int round = 0; round < 64; round++) { // read the clock every 64 rounds, not every call
                for (OwnershipCaller caller : callers) {
                    Command<?> command = caller.next();
                    Decision decision = engine.decide(command, "bench-model");
                    caller.observe(decision.outcome());
                    counts[0]++;
                    if (!decision.events().isEmpty()) {
                        counts[1]++;
                        counts[2] += decision.events().size();
                        if (samples != null && samples.size() < 4000) {
                            seq++;
                            samples.add(new KernelJournal.DecisionTaken(seq, "bench-" + seq, decision.events()));
                            for (var event : decision.events()) {
                                samples.add(new Stamped(seq, event));
                            }
                        }
                    }
                }
            }
        }
    }
}
