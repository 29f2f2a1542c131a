package dev.custody.api;

import dev.custody.model.Topology;
import java.util.Locale;
import java.util.Optional;

/**
 * How much heap a host needs, estimated from its topology before anything is built, so that a host
 * too large for the JVM's heap is refused at start with the figure instead of failing with an
 * OutOfMemoryError halfway through a boot or a run.
 *
 * <p>The figures per device and per group are what {@code custody bench heap} measures (the state a
 * booted host keeps, docs/BENCHMARKS.md, Memory), rounded up; the actors add one entity actor and its
 * state per device and group. The need is the live host times {@link #HEADROOM} (a collector needs
 * room to work in, and decisions build new states next to the current one) plus what the JVM, the
 * libraries and the engine use before any host exists.
 */
public final class HeapNeed {
    private HeapNeed() {}

    /** The JVM, the libraries, the actor system and a run's own records, before any host. */
    static final long FIXED_BYTES = 96L << 20;

    /** Live state of one booted device in the pure model (its spec, state and share of the maps): 640 measured. */
    static final long MODEL_BYTES_PER_DEVICE = 700;

    /** Live state of one booted group in the pure model, beyond its devices. */
    static final long MODEL_BYTES_PER_GROUP = 100;

    /**
     * One entity actor (a device or a group) with its mailbox, its state, its events in an in-memory
     * journal and the coordinator's bookkeeping for it: 6,200 measured.
     */
    static final long ACTOR_BYTES_PER_ENTITY = 6_500;

    /** Live bytes times this is what a host needs to run without the collector thrashing. */
    static final double HEADROOM = 2.0;

    /** The estimated heap, in bytes, for {@code topology} on the pure model or on the actors. */
    public static long bytes(Topology topology, boolean actors) {
        return bytes(groups(topology), topology.devices().size(), actors);
    }

    /** The estimated heap, in bytes, for a host of this many groups and devices. */
    public static long bytes(long groups, long devices, boolean actors) {
        long live = devices * MODEL_BYTES_PER_DEVICE + groups * MODEL_BYTES_PER_GROUP;
        if (actors) {
            live += (devices + groups) * ACTOR_BYTES_PER_ENTITY;
        }
        return FIXED_BYTES + (long) (live * HEADROOM);
    }

    /** As {@link #refusal(long, long, boolean, long)} for {@code topology} in this JVM's maximum heap. */
    public static Optional<String> refusal(Topology topology, boolean actors) {
        return refusal(
                groups(topology),
                topology.devices().size(),
                actors,
                Runtime.getRuntime().maxMemory());
    }

    /**
     * Why a host of this many groups and devices cannot start in a heap of {@code maxHeapBytes}, or
     * empty when it fits: the host's size, the estimated need and the heap there is.
     */
    public static Optional<String> refusal(long groups, long devices, boolean actors, long maxHeapBytes) {
        long need = bytes(groups, devices, actors);
        if (need <= maxHeapBytes) {
            return Optional.empty();
        }
        return Optional.of(String.format(
                Locale.ROOT,
                "a host of %d IOMMU groups and %d devices needs about %d MB of heap on the %s, and this"
                        + " JVM may use %d MB: give it more (java -Xmx%dm, or in JAVA_TOOL_OPTIONS) or use a"
                        + " smaller host",
                groups,
                devices,
                megabytes(need),
                actors ? "actors" : "pure model",
                megabytes(maxHeapBytes),
                megabytes(need)));
    }

    private static long groups(Topology topology) {
        return topology.devices().values().stream()
                .flatMap(d -> d.group().stream())
                .distinct()
                .count();
    }

    private static long megabytes(long bytes) {
        return (bytes + (1L << 20) - 1) >> 20;
    }
}
