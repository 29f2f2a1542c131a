package dev.custody.sim;

import dev.custody.model.state.KernelState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The last calls of a run in decision order, what a failure is shrunk from: at least the last {@code
 * size} calls and fewer than {@code size} more, so a long run's trace does not grow with the run. It
 * keeps them in chunks, each with the state before its first call, so what is kept can be replayed
 * from where it starts ({@link Kept#start}) once the calls before it are dropped ({@link Kept#dropped}).
 */
final class TraceWindow {
    /** The calls a run keeps unless told otherwise: a few MB, and what the shrinker gets through in its budget. */
    static final int DEFAULT_SIZE = 50_000;

    private record Chunk(KernelState before, List<TraceEntry> entries) {}

    private final int size;
    private final int chunkSize;
    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
    private long dropped;
    private long kept;

    TraceWindow(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a trace window holds at least one call, not " + size);
        }
        this.size = size;
        // sixteen chunks: at most a sixteenth more than the window, and one state per chunk
        this.chunkSize = Math.max(1, size / 16);
    }

    /** Appends the next call; {@code before} is the state it was decided on. */
    void add(KernelState before, TraceEntry entry) {
        if (chunks.isEmpty() || chunks.getLast().entries().size() >= chunkSize) {
            chunks.addLast(new Chunk(before, new ArrayList<>(Math.min(chunkSize, 1024))));
        }
        chunks.getLast().entries().add(entry);
        kept++;
        while (kept - chunks.getFirst().entries().size() >= size) {
            Chunk gone = chunks.removeFirst();
            kept -= gone.entries().size();
            dropped += gone.entries().size();
        }
    }

    /** Calls added so far, kept or dropped: the number of the last one. */
    long calls() {
        return dropped + kept;
    }

    /** Calls kept now (what a run's trace holds in memory). */
    long keptCalls() {
        return kept;
    }

    int size() {
        return size;
    }

    /**
     * What is kept: {@code entries}, the calls after the first {@code dropped} of the run, decided from
     * {@code start} (the booted state when nothing was dropped).
     */
    record Kept(long dropped, KernelState start, List<TraceEntry> entries) {
        Kept {
            entries = List.copyOf(entries);
        }
    }

    /** A copy of what is kept; {@code booted} is the state before the first call, for an empty window. */
    Kept kept(KernelState booted) {
        List<TraceEntry> entries = new ArrayList<>((int) kept);
        chunks.forEach(c -> entries.addAll(c.entries()));
        return new Kept(dropped, chunks.isEmpty() ? booted : chunks.getFirst().before(), entries);
    }
}
