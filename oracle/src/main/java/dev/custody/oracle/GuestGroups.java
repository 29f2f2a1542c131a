package dev.custody.oracle;

import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares the IOMMU groups the guest kernel formed with the scenario's groups. A difference is
 * a disagreement to report, not an error: the layout is meant to reproduce the scenario's groups.
 */
final class GuestGroups {
    private GuestGroups() {}

    static List<String> differences(GuestLayout layout, List<List<String>> kernelGroups) {
        Map<GroupId, Set<DeviceId>> expected = new TreeMap<>();
        layout.devices()
                .values()
                .forEach(d -> expected.computeIfAbsent(
                                layout.topology()
                                        .device(d.scenarioName())
                                        .group()
                                        .orElseThrow(),
                                g -> new TreeSet<>())
                        .add(d.scenarioName()));
        List<Set<DeviceId>> formed = new ArrayList<>();
        for (List<String> group : kernelGroups) {
            Set<DeviceId> members = new TreeSet<>();
            group.forEach(address -> layout.byAddress(address).ifPresent(d -> members.add(d.scenarioName())));
            if (!members.isEmpty()) {
                formed.add(members);
            }
        }
        List<String> differences = new ArrayList<>();
        if (kernelGroups.isEmpty()) {
            differences.add("the guest reported no IOMMU groups");
            return differences;
        }
        for (var entry : expected.entrySet()) {
            Optional<Set<DeviceId>> match =
                    formed.stream().filter(f -> f.equals(entry.getValue())).findFirst();
            if (match.isEmpty()) {
                differences.add("group " + entry.getKey().number() + " " + entry.getValue()
                        + " is not one group in the guest, which formed " + formed);
            }
        }
        return differences;
    }
}
