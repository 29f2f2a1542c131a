package dev.custody.invariants;

import java.util.List;

/**
 * A broken invariant of spec section 7: which one, the objects involved and what is wrong.
 * {@code kind} follows the spec's tags: KERNEL for what the kernel's code enforces (P: a violation
 * is an engine bug), CALLER for contracts callers must keep (I: a violation is a caller bug, such
 * as a raw iommu_device_use_default_domain call without a bound driver).
 */
public record Violation(String invariant, Kind kind, List<String> objects, String message) {
    public enum Kind { KERNEL, CALLER }

    public Violation {
        objects = List.copyOf(objects);
    }

    @Override
    public String toString() {
        return invariant + " (" + String.join(", ", objects) + "): " + message;
    }
}
