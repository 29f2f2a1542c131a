package dev.custody.topology;

import java.util.List;
import java.util.Optional;

/**
 * One bus of the hierarchy: the bridge whose secondary side it is (empty for a root bus, which
 * hangs off a host bridge) and the functions on it in devfn order.
 */
public record PciBus(BusAddress address, Optional<PciAddress> upstreamBridge, List<PciAddress> functions) {

    public PciBus {
        functions = List.copyOf(functions);
    }

    public boolean isRoot() {
        return upstreamBridge.isEmpty();
    }
}
