package dev.custody.model;

/** An IOMMU domain; the number is unique for the life of one engine state, never reused. */
public record DomainId(int number) implements SubjectId, Comparable<DomainId> {
    @Override
    public int compareTo(DomainId other) {
        return Integer.compare(number, other.number);
    }

    @Override
    public String toString() {
        return "domain#" + number;
    }
}
