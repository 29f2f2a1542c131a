package dev.custody.topology;

import java.util.List;

/** A derived IOMMU group: its number (allocation order, from 0) and members in probe order. */
public record IommuGroup(int number, List<GroupMember> members) {

    public IommuGroup {
        members = List.copyOf(members);
    }

    public List<PciAddress> addresses() {
        return members.stream().map(GroupMember::address).toList();
    }
}
