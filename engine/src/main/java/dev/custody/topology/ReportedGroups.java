package dev.custody.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares derived groups with the groups a host reported (captured {@code iommu_group}), by
 * membership only: group numbers depend on probe timing and IOMMU drivers, membership must not.
 */
public final class ReportedGroups {

    private ReportedGroups() {}

    /** The reported groups' memberships; empty when the capture reported none. */
    public static List<Set<PciAddress>> of(PciTopology topology) {
        var byNumber = new TreeMap<Integer, Set<PciAddress>>();
        for (var f : topology.functions()) {
            f.reportedGroup()
                    .ifPresent(n ->
                            byNumber.computeIfAbsent(n, k -> new TreeSet<>()).add(f.address()));
        }
        return List.copyOf(byNumber.values());
    }

    /** Human lines for every derived membership the host did not report, and vice versa. */
    public static List<String> differences(GroupingResult derived, PciTopology reported) {
        var reportedSets = of(reported);
        if (reportedSets.isEmpty()) return List.of("the capture reports no IOMMU groups (no IOMMU, or it is off)");
        var derivedSets = derived.groups().stream()
                .map(g -> (Set<PciAddress>) new TreeSet<>(g.addresses()))
                .toList();
        var lines = new ArrayList<String>();
        derivedSets.stream()
                .filter(s -> !reportedSets.contains(s))
                .forEach(s -> lines.add("derived but not reported: " + s));
        reportedSets.stream()
                .filter(s -> !derivedSets.contains(s))
                .forEach(s -> lines.add("reported but not derived: " + s));
        return List.copyOf(lines);
    }
}
