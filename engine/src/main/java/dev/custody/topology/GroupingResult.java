package dev.custody.topology;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The groups derived for a topology, in allocation order. */
public record GroupingResult(List<IommuGroup> groups) {

    public GroupingResult {
        groups = List.copyOf(groups);
    }

    public Optional<IommuGroup> groupOf(PciAddress address) {
        return groups.stream().filter(g -> g.addresses().contains(address)).findFirst();
    }

    public Optional<GroupMember> member(PciAddress address) {
        return groups.stream()
                .flatMap(g -> g.members().stream())
                .filter(m -> m.address().equals(address))
                .findFirst();
    }

    /** A human listing: one line per group, then one indented line per member with its reasons. */
    public String explain() {
        return groups.stream()
                .map(g -> "group " + g.number() + "\n"
                        + g.members().stream()
                                .map(m -> "  " + m.address() + ": " + String.join("; ", m.reasonTexts()))
                                .collect(Collectors.joining("\n")))
                .collect(Collectors.joining("\n"));
    }
}
