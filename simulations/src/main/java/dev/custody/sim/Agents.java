package dev.custody.sim;

import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** The cast of a run, each with its own seed derived from the run's. */
final class Agents {
    private Agents() {}

    static List<Agent> all(SimSettings settings, Topology topology, Supplier<KernelState> state) {
        long seed = settings.seed();
        List<Agent> agents = new ArrayList<>();
        agents.add(new DriverCoreAgent(seed * 31 + 1, topology));
        for (int i = 0; i < settings.vfioUsers(); i++) {
            agents.add(new VfioUserAgent("qemu" + (i + 1), seed * 31 + 10 + i, topology));
        }
        for (int i = 0; i < settings.iommufdUsers(); i++) {
            agents.add(new IommufdUserAgent("vmm" + (i + 1), seed * 31 + 20 + i, topology));
        }
        agents.add(new SharedDomainAgent(seed * 31 + 30, topology));
        agents.add(new DmaProberAgent(seed * 31 + 40, state));
        return agents;
    }
}
