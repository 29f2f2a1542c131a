package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.ModelEngine;
import dev.custody.invariants.Invariant;
import dev.custody.invariants.Invariants;
import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import dev.custody.rules.Mutant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Checking only what a decision touched finds exactly what checking everything finds. On the
 * simulator's own random steps (its agents, its topology, with and without each mutant, and going on
 * after violations so that many are caused), after every step: the incremental check reports nothing
 * the full check does not, and everything the step caused (every violation of the full check after
 * it that the full check before it did not report), for the invariants and for reachability (R1);
 * and the timeline's changed groups are the same.
 */
class StepCheckTest {
    private static final long[] SEEDS = {1, 2};
    private static final int STEPS = 2_000;

    @Test
    void incrementalCheckingFindsExactlyWhatTheStepCaused() {
        List<Set<Mutant>> variants = new ArrayList<>();
        variants.add(Set.of());
        for (Mutant mutant : Mutant.values()) {
            variants.add(Set.of(mutant));
        }
        Set<String> causedKinds = new HashSet<>();
        long changedSteps = 0;
        for (Set<Mutant> mutants : variants) {
            for (long seed : SEEDS) {
                changedSteps += walk(seed, mutants, causedKinds);
            }
        }
        assertTrue(changedSteps > 8_000, "only " + changedSteps + " steps changed anything");
        // the walks did reach violations of both kinds of check, so the comparison above was not vacuous
        assertTrue(causedKinds.contains(Invariant.R1.code()), "no step caused an R1 violation: " + causedKinds);
        assertTrue(causedKinds.size() >= 4, "the steps caused only " + causedKinds);
    }

    /** The simulator reports the same run, to its shrunk trace, whichever way it checks. */
    @Test
    void aRunCheckedFullyIsTheRunCheckedIncrementally() {
        for (Set<Mutant> mutants : List.of(Set.<Mutant>of(), Set.of(Mutant.RELEASE_KEEPS_DOMAIN))) {
            List<String> reports = new ArrayList<>();
            for (CheckMode check : CheckMode.values()) {
                SimSettings settings = new SimSettings(
                        2, 32, 2_000, Optional.empty(), true, Optional.empty(), "none", mutants, 2, 2, check);
                ObjectNode report = SimReport.json(new Simulation(settings).run(n -> {}));
                report.remove(List.of("timing", "opsPerSecond", "check"));
                reports.add(report.toString());
            }
            assertEquals(reports.get(0), reports.get(1), "mutants " + mutants);
        }
    }

    private static long walk(long seed, Set<Mutant> mutants, Set<String> causedKinds) {
        Topology topology = SimTopology.generate(seed, 32);
        ModelEngine engine = ModelEngine.booted(topology, mutants);
        AtomicReference<KernelState> current = new AtomicReference<>(engine.state());
        SimSettings settings =
                new SimSettings(seed, 32, STEPS, Optional.empty(), true, Optional.empty(), "none", mutants, 2, 2);
        List<Agent> agents = Agents.all(settings, topology, current::get);
        Random scheduler = new Random(seed);
        List<Violation> fullBefore = full(current.get());
        long changed = 0;
        for (int step = 0; step < STEPS; step++) {
            Agent agent = agents.get(scheduler.nextInt(agents.size()));
            Command<?> command = agent.next();
            KernelState before = current.get();
            Decision decision = engine.decide(command, agent.name() + "-" + step);
            agent.observe(command, decision.outcome());
            current.set(decision.state());
            if (decision.events().isEmpty()) {
                continue;
            }
            changed++;
            String at = "seed " + seed + " mutants " + mutants + " step " + step + " " + command;
            List<Violation> fullAfter = full(decision.state());
            List<Violation> incremental = StepCheck.after(before, decision, CheckMode.INCREMENTAL);
            List<Violation> everything = StepCheck.after(before, decision, CheckMode.FULL);
            List<Violation> caused = new ArrayList<>(everything);
            caused.removeAll(fullBefore);
            if (!everything.containsAll(incremental)) {
                fail(at + ": incremental reports what full does not: " + incremental + " vs " + everything);
            }
            if (!incremental.containsAll(caused)) {
                fail(at + ": incremental misses what the step caused: " + caused + " vs " + incremental);
            }
            caused.forEach(v -> causedKinds.add(v.invariant()));
            assertEquals(
                    ChangedGroups.of(before, decision.state(), decision.events(), CheckMode.FULL),
                    ChangedGroups.of(before, decision.state(), decision.events(), CheckMode.INCREMENTAL),
                    at + ": changed groups");
            fullBefore = fullAfter;
        }
        return changed;
    }

    /** Every violation the state shows (the transitions need a step; these are the state's own). */
    private static List<Violation> full(KernelState state) {
        List<Violation> all = new ArrayList<>(Invariants.check(state));
        all.addAll(Reachability.check(state));
        return all;
    }
}
