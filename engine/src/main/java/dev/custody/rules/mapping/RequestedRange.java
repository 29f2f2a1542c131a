package dev.custody.rules.mapping;

import static dev.custody.model.mapping.Addresses.hex;

import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.IovaRange;

/**
 * A {start, last} pair exactly as userspace passed it, not yet checked: IOMMU_IOAS_ALLOW_IOVAS must be
 * able to receive {@code start >= last} to answer EINVAL, which an {@link IovaRange} cannot hold.
 */
public record RequestedRange(long start, long last) {

    public boolean isProper() {
        return Addresses.lessThan(start, last);
    }

    public IovaRange toRange() {
        return new IovaRange(start, last);
    }

    @Override
    public String toString() {
        return "[" + hex(start) + ", " + hex(last) + "]";
    }
}
