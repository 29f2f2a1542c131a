package dev.custody.model;

/** An IOMMU group, by its number (as in /sys/kernel/iommu_groups/N). */
public record GroupId(int number) implements SubjectId, Comparable<GroupId> {
    @Override
    public int compareTo(GroupId other) {
        return Integer.compare(number, other.number);
    }

    @Override
    public String toString() {
        return Integer.toString(number);
    }
}
