package dev.custody.topology;

import java.util.ArrayList;
import java.util.List;

/**
 * The order in which the kernel adds PCI devices, and hence probes them for IOMMU groups:
 * segments and root buses in number order; on each bus every function in devfn order, then each
 * bridge's secondary bus in turn, depth first (the bus scan adds a bus's devices before it
 * descends below its bridges, pci_bus_add_devices). Group joining depends on this order.
 */
public final class ProbeOrder {

    private ProbeOrder() {}

    public static List<PciFunction> of(PciTopology topology) {
        var order = new ArrayList<PciFunction>();
        for (var segment : topology.segments()) {
            for (var bus : segment.buses()) {
                if (bus.isRoot()) visit(topology, bus.address(), order);
            }
        }
        if (order.size() != topology.functions().size()) {
            throw new IllegalStateException("some functions are not reachable from a root bus");
        }
        return List.copyOf(order);
    }

    private static void visit(PciTopology topology, BusAddress bus, List<PciFunction> order) {
        var onBus = topology.functionsOn(bus);
        order.addAll(onBus);
        for (var function : onBus) {
            function.bridgeBuses()
                    .ifPresent(range -> visit(topology, new BusAddress(bus.segment(), range.secondary()), order));
        }
    }
}
