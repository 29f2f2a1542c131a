package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.CustodyRuntime;
import dev.custody.rules.Mutant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A seed reproduces a deterministic run exactly, and the journaled actor engine passes both
 * deterministic and concurrent runs. That the checks catch real bugs is {@link MutantCatchTest}.
 */
class SimulationTest {
    private static SimSettings model(long seed, long ops, Set<Mutant> mutants) {
        return new SimSettings(seed, 32, ops, Optional.empty(), true, Optional.empty(), "none", mutants, 2, 2);
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
