package dev.custody.model;

/**
 * An open file of user space: a VFIO group or device fd, a VFIO container, an iommufd, a VFIO cdev.
 * Numbers are never reused, so a closed file stays distinguishable from a newer one (EBADF).
 */
public record FileId(int number) implements SubjectId, Comparable<FileId> {
    @Override
    public int compareTo(FileId other) {
        return Integer.compare(number, other.number);
    }

    @Override
    public String toString() {
        return "file#" + number;
    }
}
