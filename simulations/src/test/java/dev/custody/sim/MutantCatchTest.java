package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.rules.Mutant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stress run's checks catch every mutant: on its seed, within {@link #BUDGET} operations, with a
 * trace shrunk to at most {@link #MAX_SHRUNK} calls, while the correct rules pass the very same run.
 * Each mutant has the seed (of 1 to 5) that catches it earliest, so the whole bench stays quick;
 * docs/BENCHMARKS.md has the table and how many of the five seeds catch each one.
 */
class MutantCatchTest {
    private static final int BUDGET = 20_000;
    private static final int MAX_SHRUNK = 12;

    private static final Map<Mutant, Long> SEED = new EnumMap<>(Mutant.class);

    static {
        SEED.put(Mutant.CLAIM_IGNORES_KERNEL_USERS, 5L);
        SEED.put(Mutant.UNUSE_IGNORES_COUNT, 4L);
        SEED.put(Mutant.HOT_ADD_DEFAULT_DOMAIN, 3L);
        SEED.put(Mutant.RELEASE_KEEPS_DOMAIN, 2L);
        SEED.put(Mutant.PROBE_NOT_RECORDED, 5L);
        SEED.put(Mutant.USE_IGNORES_OWNER, 3L);
        SEED.put(Mutant.FAILED_PROBE_SKIPS_CLEANUP, 2L);
        SEED.put(Mutant.DEVICE_CLAIM_IGNORES_OWNER, 3L);
        SEED.put(Mutant.DEVICE_RELEASE_DROPS_GROUP, 4L);
        SEED.put(Mutant.OWNERSHIP_SKIPS_BLOCKING, 2L);
        SEED.put(Mutant.BLOCKING_REALLOCATED, 2L);
        SEED.put(Mutant.UNSET_IGNORES_OPEN_DEVICES, 3L);
        SEED.put(Mutant.GROUP_OPEN_IGNORES_CDEV, 2L);
        SEED.put(Mutant.CDEV_BIND_IGNORES_GROUP_FILE, 3L);
        SEED.put(Mutant.GROUP_OPEN_NOT_EXCLUSIVE, 3L);
        SEED.put(Mutant.IOMMUFD_DETACH_KEEPS_DOMAIN, 2L);
        SEED.put(Mutant.REPLACE_KEEPS_OLD_DOMAIN, 3L);
        SEED.put(Mutant.UNBIND_IGNORES_VFIO_FDS, 3L);
        SEED.put(Mutant.EMPTY_GROUP_KEEPS_DOMAINS, 4L);
        SEED.put(Mutant.FREE_ATTACHED_DOMAIN, 4L);
    }

    /** The seed that catches {@code mutant} earliest (of 1 to 5). */
    static long seedOf(Mutant mutant) {
        return SEED.get(mutant);
    }

    private static SimSettings model(long seed, long ops, Set<Mutant> mutants) {
        return new SimSettings(seed, 32, ops, Optional.empty(), true, Optional.empty(), "none", mutants, 2, 2);
    }

    @ParameterizedTest
    @EnumSource(Mutant.class)
    void everyMutantIsCaughtOnItsSeedAndTheCorrectRulesPassTheSameRun(Mutant mutant) {
        assertTrue(SEED.containsKey(mutant), mutant + " has no seed here: find one that catches it early");
        long seed = SEED.get(mutant);
        SimResult mutated = new Simulation(model(seed, BUDGET, Set.of(mutant))).run(n -> {});
        assertTrue(mutated.violation().isPresent(), mutant + " survived " + BUDGET + " operations on seed " + seed);
        SimResult.Failure failure = mutated.violation().get();
        assertTrue(
                failure.minimal().size() <= MAX_SHRUNK,
                mutant + " on seed " + seed + ": trace shrunk only to "
                        + failure.minimal().size() + " calls");

        SimResult correct = new Simulation(model(seed, mutated.operations(), Set.of())).run(n -> {});
        assertEquals(
                Optional.empty(),
                correct.violation().map(SimResult.Failure::violations),
                "the correct rules break on the run that caught " + mutant);
    }
}
