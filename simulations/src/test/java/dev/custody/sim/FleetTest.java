package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.rules.Mutant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Several simulated hosts at once: each is the run of its own seed, as if it ran alone. */
class FleetTest {

    private static SimSettings deterministic(long seed, Set<Mutant> mutants) {
        return new SimSettings(seed, 8, 600, Optional.empty(), true, Optional.empty(), "none", mutants, 2, 1);
    }

    @Test
    void eachHostRunsAsItsSeedRunsAloneAndTheTotalAddsUp() throws Exception {
        Fleet.Result fleet = new Fleet(deterministic(40, Set.of()), 3).run();
        assertEquals(3, fleet.hosts().size());
        for (Fleet.Host host : fleet.hosts()) {
            assertEquals(40 + host.index(), host.seed());
            SimResult alone = new Simulation(deterministic(host.seed(), Set.of())).run(done -> {});
            assertEquals(alone.outcomes(), host.result().outcomes(), "host " + host.index() + " as its seed alone");
        }
        assertEquals(
                fleet.hosts().stream().mapToLong(h -> h.result().operations()).sum(), fleet.operations());
        assertEquals(List.of(), fleet.violated());
    }

    @Test
    void aHostThatBreaksAnInvariantIsNamedBySeed() throws Exception {
        Fleet.Result fleet = new Fleet(deterministic(1, Set.of(Mutant.RELEASE_KEEPS_DOMAIN)), 2).run();
        assertTrue(!fleet.violated().isEmpty(), "the mutant is caught on some host");
        String text = FleetReport.text(fleet, deterministic(1, Set.of(Mutant.RELEASE_KEEPS_DOMAIN)));
        Fleet.Host first = fleet.violated().getFirst();
        assertTrue(text.contains("custody simulate --seed " + first.seed() + " repeats this host"), text);
    }
}
