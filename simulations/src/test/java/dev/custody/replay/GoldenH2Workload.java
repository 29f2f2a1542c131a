package dev.custody.replay;

import dev.custody.api.KernelEngine;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import dev.custody.sim.Agent;
import dev.custody.sim.RaceAgents;
import dev.custody.sim.SimTopology;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The seeded workload that wrote the golden H2 journal: the crash test's cast of agents (driver core, two
 * VFIO users, an iommufd user, a shared-domain user, a DMA prober) on a six-group machine, called one at
 * a time in an order a seeded scheduler picks, so that the same seed gives the same calls on any engine
 * whose answers are the model's. Run on the pure model it gives the state the journal must recover to.
 */
final class GoldenH2Workload {
    private GoldenH2Workload() {}

    static final long SEED = 2026;
    static final int GROUPS = 6;
    static final int CALLS = 600;
    static final String INSTANCE = "golden";

    static Topology topology() {
        return SimTopology.generate(SEED, GROUPS);
    }

    /** Boots {@code engine} on the topology and makes every call; the state after the last one. */
    static KernelState run(KernelEngine engine) {
        Topology topology = topology();
        Decision booted = engine.boot(topology);
        if (!booted.outcome().isOk()) {
            throw new IllegalStateException("the golden machine does not boot: " + booted.outcome());
        }
        AtomicReference<KernelState> latest = new AtomicReference<>(booted.state());
        List<Agent> agents = RaceAgents.of(SEED, topology, latest::get);
        Random scheduler = new Random(SEED);
        for (int call = 1; call <= CALLS; call++) {
            Agent agent = agents.get(scheduler.nextInt(agents.size()));
            Command<?> command = agent.next();
            Decision decision = engine.decide(command, agent.name() + "-" + call);
            latest.set(decision.state());
            agent.observe(command, decision.outcome());
        }
        return latest.get();
    }
}
