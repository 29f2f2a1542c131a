package dev.custody.sim;

import dev.custody.invariants.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * A failure's minimal trace from what the run kept ({@link TraceWindow}). With nothing dropped, the
 * kept calls are shrunk from boot. When the run had dropped calls before its window:
 *
 * <ol>
 *   <li>the window is shrunk from the state it starts in;
 *   <li>that is tried from boot: enough when what breaks does not need the calls before the window;
 *   <li>otherwise, when the seed reproduces the run (a deterministic run), the calls before the window
 *       are decided again from the seed on the pure model, and the whole is shrunk from boot;
 *   <li>otherwise the minimal trace starts after the dropped calls, and the report says so.
 * </ol>
 */
final class MinimalTrace {
    private MinimalTrace() {}

    /** Decides again at most this many windows' worth of calls: their trace is in memory while it is shrunk. */
    static final int REGENERATED_WINDOWS = 4;

    /**
     * {@code regenerate}, for a run its seed reproduces: the run's first n calls decided again. A
     * failure the model alone does not reproduce (a journal's, an actor's) keeps the calls as recorded.
     */
    static SimResult.Failure of(
            long step,
            List<Violation> violations,
            TraceWindow.Kept kept,
            int window,
            long seed,
            TraceShrinker shrinker,
            Optional<LongFunction<List<TraceEntry>>> regenerate) {
        String invariant = violations.getFirst().invariant();
        if (kept.dropped() == 0) {
            return new SimResult.Failure(step, violations, shrinker.shrink(kept.entries(), violations));
        }
        String windowed = "the run kept its last " + kept.entries().size() + " of " + step + " calls (--trace-window "
                + window + ")";
        Optional<List<TraceEntry>> inWindow = shrinker.shrink(kept.start(), kept.entries(), invariant);
        if (inWindow.isEmpty()) {
            return new SimResult.Failure(
                    step,
                    violations,
                    kept.entries(),
                    kept.dropped(),
                    Optional.of(windowed + "; the model alone does not break on them, so they are as recorded"));
        }
        Optional<List<TraceEntry>> fromBoot = shrinker.shrink(shrinker.booted(), inWindow.get(), invariant);
        if (fromBoot.isPresent()) {
            return new SimResult.Failure(
                    step,
                    violations,
                    fromBoot.get(),
                    0,
                    Optional.of(windowed + "; shrunk within them, the trace breaks it from boot too"));
        }
        long limit = (long) REGENERATED_WINDOWS * window;
        if (regenerate.isPresent() && kept.dropped() <= limit) {
            List<TraceEntry> prefix = regenerate.get().apply(kept.dropped());
            List<TraceEntry> whole = new ArrayList<>(prefix);
            whole.addAll(inWindow.get());
            Optional<List<TraceEntry>> regenerated = prefix.size() == kept.dropped()
                    ? shrinker.shrink(shrinker.booted(), whole, invariant)
                    : Optional.empty();
            if (regenerated.isPresent()) {
                return new SimResult.Failure(
                        step,
                        violations,
                        regenerated.get(),
                        0,
                        Optional.of(windowed + "; the " + kept.dropped() + " before them were decided again from seed "
                                + seed + " and the whole shrunk from boot"));
            }
        }
        String why = regenerate.isEmpty()
                ? "a concurrent run's order is not reproduced by its seed"
                : kept.dropped() > limit
                        ? "deciding the " + kept.dropped() + " calls before them again takes more than "
                                + REGENERATED_WINDOWS + " windows; run seed " + seed + " again with --trace-window "
                                + step + " to shrink from boot"
                        : "the calls decided again from seed " + seed + " did not lead to the same failure";
        return new SimResult.Failure(
                step,
                violations,
                inWindow.get(),
                kept.dropped(),
                Optional.of(
                        windowed + ", shrunk within them from the state after call " + kept.dropped() + ": " + why));
    }
}
