package dev.custody.model;

/** An iommufd object id (IOAS, HWPT, device) within one iommufd context; 0 is never valid. */
public record ObjectId(int number) implements Comparable<ObjectId> {
    @Override
    public int compareTo(ObjectId other) {
        return Integer.compare(number, other.number);
    }

    @Override
    public String toString() {
        return Integer.toString(number);
    }
}
