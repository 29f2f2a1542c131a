package dev.custody.bench.journal;

import dev.custody.entity.KernelJournal;
import dev.custody.entity.Stamped;
import dev.custody.persistence.KryoJournalSerializer;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Bytes and nanoseconds per serialize + deserialize through the journal's serializer, over records
 * the workload really produces: each entity row ({@link Stamped}, one kernel event) and each
 * coordinator intent ({@link KernelJournal.DecisionTaken}, all events of one decision). A plain loop
 * with warm-up, as the serializer's own micro-benchmark does; good to some percent on a quiet machine.
 */
record KryoCost(
        int stampedSamples,
        double stampedBytes,
        double stampedNanos,
        int decisionSamples,
        double decisionBytes,
        double decisionNanos) {

    static KryoCost measure(List<Object> samples, long millis) {
        List<Object> stamped =
                samples.stream().filter(s -> s instanceof Stamped).toList();
        List<Object> decisions = samples.stream()
                .filter(s -> s instanceof KernelJournal.DecisionTaken)
                .toList();
        KryoJournalSerializer serializer = new KryoJournalSerializer();
        double[] s = measure(serializer, stamped, millis / 2);
        double[] d = measure(serializer, decisions, millis / 2);
        return new KryoCost(stamped.size(), s[0], s[1], decisions.size(), d[0], d[1]);
    }

    /** {mean bytes, mean ns per round trip}; the first third of the time is warm-up. */
    private static double[] measure(KryoJournalSerializer serializer, List<Object> records, long millis) {
        if (records.isEmpty()) {
            return new double[] {Double.NaN, Double.NaN};
        }
        String[] manifests = records.stream().map(serializer::manifest).toArray(String[]::new);
        long bytes = 0;
        for (Object record : records) {
            bytes += serializer.toBinary(record).length;
        }
        loop(serializer, records, manifests, millis / 3);
        long[] done = loop(serializer, records, manifests, millis - millis / 3);
        return new double[] {(double) bytes / records.size(), (double) done[1] / done[0]};
    }

    /** {round trips, nanoseconds}. */
    private static long[] loop(
            KryoJournalSerializer serializer, List<Object> records, String[] manifests, long millis) {
        long start = System.nanoTime();
        long deadline = start + millis * 1_000_000;
        long count = 0;
        long sink = 0;
        try {
            while (System.nanoTime() < deadline) {
                for (int i = 0; i < manifests.length; i++) {
                    byte[] bytes = serializer.toBinary(records.get(i));
                    sink += serializer.fromBinary(bytes, manifests[i]).hashCode();
                }
                count += manifests.length;
            }
        } catch (NotSerializableException e) {
            throw new UncheckedIOException(e);
        }
        if (sink == 42) {
            System.err.print(""); // keeps the results alive for the JIT
        }
        return new long[] {count, System.nanoTime() - start};
    }
}
