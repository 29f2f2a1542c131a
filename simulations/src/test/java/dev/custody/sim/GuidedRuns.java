package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Guided runs of a few seeds, for tests of calls the guided cast makes seldom: each run must keep
 * every invariant, and what the calls of the given kinds came to ("DriverNewId EEXIST") is collected
 * over all of them.
 */
final class GuidedRuns {
    private GuidedRuns() {}

    static Set<String> resultsOf(List<Long> seeds, long ops, Set<Class<? extends Command<?>>> kinds) {
        Set<String> met = new TreeSet<>();
        for (long seed : seeds) {
            SimSettings settings = new SimSettings(
                            seed, 32, ops, Optional.empty(), true, Optional.empty(), "none", Set.of(), 2, 2)
                    .withSchedule(Schedule.GUIDED, SimSettings.DEFAULT_REFUSAL_SHARE);
            SimResult result = new Simulation(settings).run(n -> {}, DecisionObserver.eachCall(call -> {
                if (kinds.contains(call.command().getClass())) {
                    met.add(call.command().getClass().getSimpleName() + " "
                            + call.outcome().resultName());
                }
            }));
            assertTrue(
                    result.violation().isEmpty(), "the correct rules hold on seed " + seed + ": " + result.violation());
        }
        return met;
    }
}
