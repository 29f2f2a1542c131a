package dev.custody.sim;

import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import java.util.List;
import java.util.function.Supplier;

/**
 * The cast of a race, for tools outside this package (the crash harness): an administrator, two VFIO
 * users, an iommufd user, an in-kernel shared-domain user and a DMA prober, each seeded from {@code seed}.
 */
public final class RaceAgents {
    private RaceAgents() {}

    /** {@code state}: the latest state the caller saw; only the prober reads it, to aim at live domains. */
    public static List<Agent> of(long seed, Topology topology, Supplier<KernelState> state) {
        return List.of(
                new DriverCoreAgent(seed, topology),
                new VfioUserAgent("qemu-a", seed + 1, topology),
                new VfioUserAgent("qemu-b", seed + 2, topology),
                new IommufdUserAgent("iommufd-user", seed + 3, topology),
                new SharedDomainAgent(seed + 4, topology),
                new DmaProberAgent(seed + 5, state));
    }
}
