package dev.custody.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * How many calls completed in each second of a run, counted as they complete: a long run keeps one
 * number a second rather than a timestamp a call.
 */
final class PerSecondCounts {
    private final List<Long> counts = new ArrayList<>();

    /** One completion, {@code nanosSinceStart} after the run started. */
    synchronized void record(long nanosSinceStart) {
        int second = (int) (nanosSinceStart / 1_000_000_000L);
        while (counts.size() <= second) {
            counts.add(0L);
        }
        counts.set(second, counts.get(second) + 1);
    }

    /** The counts, second 0 first, up to the last second a call completed in. */
    synchronized List<Long> counts() {
        return List.copyOf(counts);
    }
}
