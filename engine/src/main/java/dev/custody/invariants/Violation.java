package dev.custody.invariants;

import java.util.List;

/**
 * A broken invariant: which one ({@link Invariant}, with its code and statement), the objects
 * involved and what is wrong with them. {@link Kind} says who is to blame: KERNEL for what the
 * kernel's code enforces (a violation is an engine bug), CALLER for contracts callers must keep (a
 * violation is a caller bug, such as a raw iommu_device_use_default_domain call without a bound
 * driver). It stays here rather than in {@link Invariant} because callers filter violations by it.
 */
public record Violation(Invariant broken, List<String> objects, String message) {
    public enum Kind {
        KERNEL,
        CALLER
    }

    public Violation {
        objects = List.copyOf(objects);
    }

    /** The invariant's code as printed (G1, D3, V10...); D3 has two {@link Invariant}s with one code. */
    public String invariant() {
        return broken.code();
    }

    public Kind kind() {
        return broken.kind();
    }

    @Override
    public String toString() {
        return invariant() + " (" + String.join(", ", objects) + "): " + message;
    }
}
