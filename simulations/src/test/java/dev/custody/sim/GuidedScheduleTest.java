package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.rules.Mutant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The guided schedule: a seed gives the same calls twice, it reaches more (operation, outcome, shape)
 * triples than the random schedule on the same budget, it aims the asked share of calls at refusals,
 * every call is still checked, and a mutant it catches is still shrunk to a short trace.
 */
class GuidedScheduleTest {

    private static SimSettings settings(long seed, long ops, Schedule schedule, double share, Set<Mutant> mutants) {
        return new SimSettings(seed, 32, ops, Optional.empty(), true, Optional.empty(), "none", mutants, 2, 2)
                .withSchedule(schedule, share);
    }

    private static SimSettings guided(long seed, long ops) {
        return settings(seed, ops, Schedule.GUIDED, SimSettings.DEFAULT_REFUSAL_SHARE, Set.of());
    }

    /** Every call of a run as "agent call -> result", in decision order. */
    private static List<String> trace(SimSettings settings) {
        List<String> calls = new ArrayList<>();
        new Simulation(settings)
                .run(
                        n -> {},
                        DecisionObserver.eachCall(call -> calls.add(call.agent() + " " + call.command() + " -> "
                                + call.outcome().resultName())));
        return calls;
    }

    @Test
    void aSeedGivesTheSameGuidedTraceTwice() {
        List<String> first = trace(guided(42, 3000));
        List<String> second = trace(guided(42, 3000));
        assertEquals(3000, first.size());
        assertEquals(first, second, "the same seed, the same calls");
        assertNotEquals(first, trace(guided(43, 3000)), "another seed, other calls");
    }

    @Test
    void theGuidedScheduleReachesMoreTriplesThanTheRandomOneOnTheSameBudget() {
        for (long seed : new long[] {3, 9}) {
            CoverageSummary random = new Simulation(
                            settings(seed, 3000, Schedule.RANDOM, SimSettings.DEFAULT_REFUSAL_SHARE, Set.of()))
                    .run(n -> {})
                    .coverage();
            CoverageSummary guided =
                    new Simulation(guided(seed, 3000)).run(n -> {}).coverage();
            assertTrue(
                    guided.triples() >= 1.2 * random.triples(),
                    "seed " + seed + ": guided " + guided + " against random " + random);
            assertTrue(guided.pairs() > random.pairs(), "seed " + seed + ": guided " + guided + ", random " + random);
        }
    }

    @Test
    void theAskedShareOfCallsIsAimedAtRefusals() {
        long ops = 4000;
        double previousRefused = -1;
        for (double share : new double[] {0.0, 0.1, 0.5}) {
            SimResult result = new Simulation(settings(5, ops, Schedule.GUIDED, share, Set.of())).run(n -> {});
            assertEquals(Optional.empty(), result.violation().map(SimResult.Failure::violations));
            double aimed = result.coverage().aimedAtRefusal() / (double) ops;
            double refused = result.coverage().refused() / (double) ops;
            assertEquals(share, aimed, 0.01, "share of calls aimed at a refusal");
            // most aimed refusals are refused; aimed calls a racing role spoiled add some more
            assertTrue(refused >= share * 0.8, "share " + share + ": refused " + refused);
            assertTrue(refused > previousRefused, "share " + share + ": refused " + refused + " <= " + previousRefused);
            previousRefused = refused;
        }
    }

    @Test
    void everyGuidedCallIsCheckedAndTheCorrectRulesHold() {
        SimResult result = new Simulation(guided(11, 5000)).run(n -> {});
        assertEquals(Optional.empty(), result.violation().map(SimResult.Failure::violations));
        assertEquals(5000, result.operations());
        assertEquals(result.operations(), result.checks(), "every decision was checked");
    }

    @ParameterizedTest
    @EnumSource(
            value = Mutant.class,
            names = {"RELEASE_KEEPS_DOMAIN", "CLAIM_IGNORES_KERNEL_USERS"})
    void aMutantIsCaughtOnAGuidedRunAndItsTraceShrunk(Mutant mutant) {
        SimResult mutated = new Simulation(settings(1, 20_000, Schedule.GUIDED, 0.2, Set.of(mutant))).run(n -> {});
        assertTrue(mutated.violation().isPresent(), mutant + " survived a guided run");
        SimResult.Failure failure = mutated.violation().get();
        assertTrue(
                failure.minimal().size() <= 12,
                "trace not shrunk: " + failure.minimal().size() + " calls");
        assertTrue(
                failure.minimal().size() < failure.step(),
                "shrunk " + failure.step() + " calls to " + failure.minimal().size());

        SimResult correct =
                new Simulation(settings(1, mutated.operations(), Schedule.GUIDED, 0.2, Set.of())).run(n -> {});
        assertEquals(
                Optional.empty(),
                correct.violation().map(SimResult.Failure::violations),
                "the correct rules break on the guided run that caught " + mutant);
    }
}
