package dev.custody.bench.heap;

import dev.custody.api.ActorEngine;
import dev.custody.api.KernelEngine;
import dev.custody.api.ModelEngine;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.persistence.JournalSpec;
import dev.custody.rules.Decision;
import dev.custody.sim.SimTopology;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;

/**
 * The heap a host keeps live: the simulator's host of {@code groups} groups is booted on the pure
 * model or on the actors (in-memory journal) and {@code files} files are opened on it (VFIO
 * containers and iommufd files, alternately); the live heap is read after a collection before the
 * host exists, after the boot and after the files. What a run allocates and drops is not counted:
 * this is what stays.
 */
public final class HeapFootprint {
    private HeapFootprint() {}

    /** What one host kept live: after the boot, and after the files on top of it. */
    public record Point(
            String engine, int groups, int devices, int files, long bootedBytes, long filesBytes, long totalBytes) {

        public long bytesPerGroup() {
            return bootedBytes / groups;
        }

        public long bytesPerDevice() {
            return bootedBytes / devices;
        }

        public long bytesPerFile() {
            return files == 0 ? 0 : filesBytes / files;
        }
    }

    public static Point measure(int groups, int files, boolean actors) {
        long before = liveBytes();
        Topology topology = SimTopology.generate(1, groups);
        try (KernelEngine engine = actors
                ? ActorEngine.onJournal(JournalSpec.parse("memory").config(), "heap-" + groups, Duration.ofMinutes(10))
                : new ModelEngine()) {
            Decision boot = engine.boot(topology);
            if (!boot.outcome().isOk()) {
                throw new IllegalStateException("the host does not boot: "
                        + boot.outcome().explanation().orElse(""));
            }
            long booted = liveBytes();
            for (int i = 0; i < files; i++) {
                Command<?> open =
                        i % 2 == 0 ? new Command.ContainerOpen("heap-" + i) : new Command.IommufdOpen("heap-" + i);
                Decision opened = engine.decide(open, "heap-" + i);
                if (!opened.outcome().isOk()) {
                    throw new IllegalStateException("file " + i + " does not open: " + opened.outcome());
                }
            }
            long withFiles = liveBytes();
            Reference.reachabilityFence(topology);
            return new Point(
                    actors ? "actors" : "rules",
                    groups,
                    topology.devices().size(),
                    files,
                    booted - before,
                    withFiles - booted,
                    withFiles - before);
        }
    }

    /** The heap in use after full collections, once it stops shrinking. */
    private static long liveBytes() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long now = memory.getHeapMemoryUsage().getUsed();
            if (now >= used) {
                return now;
            }
            used = now;
        }
        return used;
    }
}
