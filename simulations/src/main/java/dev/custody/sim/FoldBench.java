package dev.custody.sim;

import dev.custody.api.ModelEngine;
import dev.custody.model.Command;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Replay's fold against the host's size, without a journal: the simulator's agents run {@code ops}
 * calls on the pure model (working on the host's first {@code activeGroups} groups, so every host
 * size folds the same events), the decisions' events are kept, and the fold that {@code custody
 * replay} does ({@link KernelState#applyAll} per decision, from the booted state) is timed in the
 * thread's CPU time (other work on the machine disturbs it less than the clock), best of a few rounds.
 */
public final class FoldBench {
    private FoldBench() {}

    public record Point(int groups, int activeGroups, long decisions, long events, double bestSeconds) {
        public double eventsPerSecond() {
            return events / bestSeconds;
        }
    }

    public static Point run(long seed, int groups, int activeGroups, long ops, int rounds) {
        SimSettings settings = new SimSettings(
                seed,
                groups,
                ops,
                Optional.empty(),
                true,
                Optional.empty(),
                "none",
                Set.of(),
                2,
                2,
                CheckMode.INCREMENTAL,
                activeGroups);
        Simulation simulation = new Simulation(settings);
        ModelEngine engine = ModelEngine.booted(simulation.topology(), Set.of());
        KernelState booted = engine.state();
        AtomicReference<KernelState> current = new AtomicReference<>(booted);
        List<Agent> agents = Agents.all(settings, simulation.workedOn(), current::get);
        Random scheduler = new Random(seed);
        List<List<KernelEvent>> decisions = new ArrayList<>();
        long events = 0;
        for (long i = 0; i < ops; i++) {
            Agent agent = agents.get(scheduler.nextInt(agents.size()));
            Command<?> command = agent.next();
            Decision decision = engine.decide(command, agent.name() + "-" + i);
            agent.observe(command, decision.outcome());
            current.set(decision.state());
            if (!decision.events().isEmpty()) {
                decisions.add(decision.events());
                events += decision.events().size();
            }
        }
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double best = Double.MAX_VALUE;
        for (int round = 0; round < rounds; round++) {
            long start = cpu.getCurrentThreadCpuTime();
            KernelState state = booted;
            for (List<KernelEvent> decided : decisions) {
                state = state.applyAll(decided);
            }
            best = Math.min(best, (cpu.getCurrentThreadCpuTime() - start) / 1e9);
            if (!state.equals(current.get())) {
                throw new IllegalStateException("the fold did not reach the engine's state");
            }
        }
        return new Point(groups, activeGroups, decisions.size(), events, best);
    }
}
