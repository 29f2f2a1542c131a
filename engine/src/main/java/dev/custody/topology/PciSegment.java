package dev.custody.topology;

import java.util.List;

/** One PCI segment (domain) and its buses in bus-number order. */
public record PciSegment(int domain, List<PciBus> buses) {

    public PciSegment {
        buses = List.copyOf(buses);
    }
}
