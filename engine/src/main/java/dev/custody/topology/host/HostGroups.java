package dev.custody.topology.host;

import dev.custody.topology.GroupingResult;
import dev.custody.topology.PciAddress;
import dev.custody.topology.PciTopology;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The groups a host has, by number: the kernel's {@code iommu_group} numbers when the capture
 * reports them (they are what VFIO will enforce), else the derived ones. A function the kernel put
 * in no group (an IOMMU's own function, say) is in none here either.
 */
public record HostGroups(SortedMap<Integer, List<PciAddress>> groups, boolean fromKernel) {

    public HostGroups {
        groups = Collections.unmodifiableSortedMap(new TreeMap<>(groups));
    }

    public static HostGroups of(PciTopology topology, GroupingResult derived, boolean ignoreKernelGroups) {
        var kernel = new TreeMap<Integer, List<PciAddress>>();
        if (!ignoreKernelGroups) {
            for (var f : topology.functions()) {
                f.reportedGroup()
                        .ifPresent(n -> kernel.computeIfAbsent(n, k -> new ArrayList<>())
                                .add(f.address()));
            }
        }
        if (!kernel.isEmpty()) return new HostGroups(kernel, true);
        var fromDerivation = new TreeMap<Integer, List<PciAddress>>();
        derived.groups().forEach(g -> fromDerivation.put(g.number(), g.addresses()));
        return new HostGroups(fromDerivation, false);
    }

    public Optional<Integer> numberOf(PciAddress address) {
        return groups.entrySet().stream()
                .filter(e -> e.getValue().contains(address))
                .map(Map.Entry::getKey)
                .findFirst();
    }

    public String origin() {
        return fromKernel ? "the kernel's iommu_group" : "derived";
    }
}
