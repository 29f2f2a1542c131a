package dev.custody.model.mapping;

import static dev.custody.model.mapping.Addresses.hex;
import static dev.custody.model.mapping.Addresses.lessOrEqual;
import static dev.custody.model.mapping.Addresses.lessThan;

/**
 * An inclusive range {@code [start, last]} of unsigned 64-bit addresses, the way the kernel's
 * interval trees hold them: an inclusive last lets {@code [0, 0xffffffffffffffff]} exist.
 */
public record IovaRange(long start, long last) implements Comparable<IovaRange> {

    public static final IovaRange EVERYTHING = new IovaRange(0, Addresses.ULONG_MAX);

    public IovaRange {
        if (lessThan(last, start)) {
            throw new IllegalArgumentException("range start " + hex(start) + " is above its last " + hex(last));
        }
    }

    /** {@code [start, start + length)}; the caller has checked that length is non-zero and it does not wrap. */
    public static IovaRange ofLength(long start, long length) {
        return new IovaRange(
                start,
                Addresses.lastOf(start, length)
                        .orElseThrow(() -> new IllegalArgumentException(
                                "range at " + hex(start) + " of length " + hex(length) + " wraps")));
    }

    public boolean contains(long address) {
        return lessOrEqual(start, address) && lessOrEqual(address, last);
    }

    public boolean contains(IovaRange other) {
        return lessOrEqual(start, other.start) && lessOrEqual(other.last, last);
    }

    public boolean intersects(IovaRange other) {
        return lessOrEqual(start, other.last) && lessOrEqual(other.start, last);
    }

    /** The number of bytes, which is 0 (meaning 2^64) only for the whole address space. */
    public long length() {
        return last - start + 1;
    }

    @Override
    public int compareTo(IovaRange other) {
        int byStart = Long.compareUnsigned(start, other.start);
        return byStart != 0 ? byStart : Long.compareUnsigned(last, other.last);
    }

    @Override
    public String toString() {
        return "[" + hex(start) + ", " + hex(last) + "]";
    }
}
