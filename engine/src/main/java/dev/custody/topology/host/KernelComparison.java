package dev.custody.topology.host;

import dev.custody.topology.GroupingResult;
import dev.custody.topology.PciAddress;
import dev.custody.topology.PciTopology;
import dev.custody.topology.ReportedGroups;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Derived groups next to the kernel's, when the capture reports them and they are wanted.
 *
 * @param kernelGroups empty when the kernel's groups are unknown (no IOMMU) or ignored on request
 * @param differences  every derived membership the kernel does not have, and every one it has that
 *                     was not derived; empty when there is nothing to compare with
 */
public record KernelComparison(
        GroupingResult derived, Optional<List<Set<PciAddress>>> kernelGroups, List<String> differences) {

    public static KernelComparison of(PciTopology topology, GroupingResult derived, boolean ignoreKernelGroups) {
        var reported = ReportedGroups.of(topology);
        if (ignoreKernelGroups || reported.isEmpty()) return new KernelComparison(derived, Optional.empty(), List.of());
        return new KernelComparison(derived, Optional.of(reported), ReportedGroups.differences(derived, topology));
    }

    public List<List<String>> derivedAddresses() {
        return derived.groups().stream()
                .map(g -> g.addresses().stream().map(PciAddress::toString).toList())
                .toList();
    }

    public Optional<List<List<String>>> kernelAddresses() {
        return kernelGroups.map(groups -> groups.stream()
                .map(g -> g.stream().map(PciAddress::toString).toList())
                .toList());
    }
}
