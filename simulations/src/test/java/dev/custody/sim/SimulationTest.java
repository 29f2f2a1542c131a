package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.CustodyRuntime;
import dev.custody.rules.Mutant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stress run's checks catch real bugs (each mutant within a bounded number of operations, while
 * the correct rules pass the very same run), a seed reproduces a deterministic run exactly, and the
 * journaled actor engine passes both deterministic and concurrent runs.
 */
class SimulationTest {
    private static final int BOUND = 20_000;

    private static SimSettings model(long seed, long ops, Set<Mutant> mutants) {
        return new SimSettings(seed, 32, ops, Optional.empty(), true, Optional.empty(), "none", mutants, 2, 2);
    }

    @ParameterizedTest
    @EnumSource(Mutant.class)
    void everyMutantIsCaughtAndTheCorrectRulesPassTheSameRun(Mutant mutant) {
        SimResult mutated = new Simulation(model(1, BOUND, Set.of(mutant))).run(n -> {});
        assertTrue(mutated.violation().isPresent(), mutant + " survived " + BOUND + " operations");
        SimResult.Failure failure = mutated.violation().get();
        assertTrue(
                failure.minimal().size() <= 12,
                "trace not shrunk: " + failure.minimal().size() + " calls");

        SimResult correct = new Simulation(model(1, mutated.operations(), Set.of())).run(n -> {});
        assertEquals(
                Optional.empty(),
                correct.violation().map(SimResult.Failure::violations),
                "the correct rules break on the run that caught " + mutant);
    }

    @Test
    void aSeedReproducesTheRunByteForByte() {
        ObjectNode first = SimReport.json(new Simulation(model(42, 3000, Set.of())).run(n -> {}));
        ObjectNode second = SimReport.json(new Simulation(model(42, 3000, Set.of())).run(n -> {}));
        for (ObjectNode report : java.util.List.of(first, second)) {
            report.remove("timing");
            report.remove("opsPerSecond");
        }
        assertEquals(first.toString(), second.toString());
        ObjectNode other = SimReport.json(new Simulation(model(43, 3000, Set.of())).run(n -> {}));
        other.remove("timing");
        other.remove("opsPerSecond");
        assertTrue(!first.equals(other), "another seed gives another run");
    }

    @Test
    void theJournaledEngineHoldsUnderDeterministicAndConcurrentRaces() {
        for (boolean deterministic : new boolean[] {true, false}) {
            SimSettings settings = new SimSettings(
                    7,
                    16,
                    3000,
                    Optional.empty(),
                    deterministic,
                    Optional.of(CustodyRuntime.inMemoryJournal()),
                    "memory",
                    Set.of(),
                    2,
                    2);
            SimResult result = new Simulation(settings).run(n -> {});
            assertEquals(
                    Optional.empty(),
                    result.violation().map(SimResult.Failure::violations),
                    (deterministic ? "deterministic" : "concurrent") + " run on the actors");
            assertEquals(3000, result.operations());
            if (deterministic) {
                assertEquals(result.operations(), result.checks(), "every decision was checked");
            } else {
                // calls that changed nothing are not journaled; every journaled one was checked (J1 would say
                // otherwise)
                assertTrue(result.checks() > 0 && result.checks() <= result.operations(), "checked " + result.checks());
            }
        }
    }
}
