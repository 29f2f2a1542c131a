package dev.custody.persistence;

import dev.custody.entity.KernelJournal;
import dev.custody.entity.Stamped;
import dev.custody.model.event.DeviceEvent;
import dev.custody.model.event.FileEvent;
import dev.custody.model.event.GroupEvent;
import java.io.NotSerializableException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Not a test: bytes per record and nanoseconds per serialize + deserialize through the Pekko
 * serializer (pooled Kryo), for a few representative records. A plain loop with warm-up, no JMH:
 * good to a few percent on an idle machine. Run from the repository root after a build, e.g.
 * <pre>
 * mvn -q -pl persistence -am test-compile
 * mvn -q -pl persistence dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=cp.txt
 * java --sun-misc-unsafe-memory-access=allow -cp "$(cat cp.txt):persistence/target/classes:persistence/target/test-classes" dev.custody.persistence.KryoBench
 * </pre>
 * (cp.txt names the installed engine jar; put engine/target/classes first to measure the working tree.)
 */
public final class KryoBench {
    private KryoBench() {}

    public static void main(String[] args) throws NotSerializableException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Map<String, Object> samples = new LinkedHashMap<>();
        samples.put(
                "Stamped(DriverBound)", new Stamped(12, new DeviceEvent.DriverBound(GoldenSamples.NIC, "vfio-pci")));
        samples.put(
                "Stamped(ClaimAdded)",
                new Stamped(
                        12,
                        new GroupEvent.ClaimAdded(
                                GoldenSamples.GROUP, dev.custody.model.state.Claimant.device(GoldenSamples.NIC))));
        samples.put(
                "Stamped(IoasMapped)",
                new Stamped(
                        12,
                        new FileEvent.IoasMapped(
                                GoldenSamples.IOMMUFD, GoldenSamples.IOAS, 0x20_0000L, 0x1000L, true, true)));
        samples.put("DecisionTaken(3 events)", GoldenSamples.decision());
        samples.put("DecisionApplied", new KernelJournal.DecisionApplied(12));
        samples.put(
                "EntityState (snapshot, whole sample kernel)",
                GoldenSamples.all().get(dev.custody.entity.EntityState.class));
        KryoJournalSerializer serializer = new KryoJournalSerializer();
        System.out.printf("%-45s %8s %14s%n", "record", "bytes", "ns/round-trip");
        for (Map.Entry<String, Object> sample : samples.entrySet()) {
            Object record = sample.getValue();
            String manifest = serializer.manifest(record);
            int n = record instanceof dev.custody.entity.EntityState ? rounds / 20 : rounds;
            long sink = 0;
            for (int warm = 0; warm < 3; warm++) {
                sink += loop(serializer, record, manifest, n);
            }
            long best = Long.MAX_VALUE;
            for (int run = 0; run < 5; run++) {
                long start = System.nanoTime();
                sink += loop(serializer, record, manifest, n);
                best = Math.min(best, (System.nanoTime() - start) / n);
            }
            System.out.printf("%-45s %8d %14d%n", sample.getKey(), serializer.toBinary(record).length, best);
            if (sink == 42) {
                System.out.println();
            }
        }
    }

    private static long loop(KryoJournalSerializer serializer, Object record, String manifest, int n)
            throws NotSerializableException {
        long sink = 0;
        for (int i = 0; i < n; i++) {
            byte[] bytes = serializer.toBinary(record);
            sink += serializer.fromBinary(bytes, manifest).hashCode() + bytes.length;
        }
        return sink;
    }
}
