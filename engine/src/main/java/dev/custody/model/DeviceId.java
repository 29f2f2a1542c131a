package dev.custody.model;

import java.util.Objects;

/** A device, named by its PCI address (0000:00:03.1) or any unique name. */
public record DeviceId(String name) implements SubjectId, Comparable<DeviceId> {
    public DeviceId {
        Objects.requireNonNull(name);
    }

    @Override
    public int compareTo(DeviceId other) {
        return name.compareTo(other.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
