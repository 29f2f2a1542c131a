package dev.custody.model;

import java.util.Objects;

/** A driver, as the subject of the events about its own state (its dynamic ids). */
public record DriverName(String name) implements SubjectId, Comparable<DriverName> {
    public DriverName {
        Objects.requireNonNull(name);
    }

    @Override
    public int compareTo(DriverName other) {
        return name.compareTo(other.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
