package dev.custody.model.mapping;

import java.util.OptionalLong;

/**
 * Unsigned 64-bit address arithmetic. Every IOVA, physical and user address is a u64 held in a
 * {@code long}; these helpers keep comparisons and overflow checks unsigned.
 */
public final class Addresses {

    /** The kernel's ULONG_MAX / U64_MAX on a 64-bit build. */
    public static final long ULONG_MAX = 0xffff_ffff_ffff_ffffL;

    /** The CPU page size the model assumes (x86-64). */
    public static final long PAGE_SIZE = 4096;

    private Addresses() {}

    public static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    /** True when {@code value} is a multiple of {@code alignment}, a power of two. */
    public static boolean isAligned(long value, long alignment) {
        return (value & (alignment - 1)) == 0;
    }

    /** The last byte of {@code [start, start + length)}, empty when it wraps past 2^64 or length is 0. */
    public static OptionalLong lastOf(long start, long length) {
        if (length == 0) {
            return OptionalLong.empty();
        }
        long last = start + (length - 1);
        return Long.compareUnsigned(last, start) < 0 ? OptionalLong.empty() : OptionalLong.of(last);
    }

    /** {@code value} rounded up to a multiple of {@code alignment} (a power of two), empty on wrap. */
    public static OptionalLong alignUp(long value, long alignment) {
        long aligned = (value + (alignment - 1)) & -alignment;
        return Long.compareUnsigned(aligned, value) < 0 ? OptionalLong.empty() : OptionalLong.of(aligned);
    }

    /** The smallest power of two not below {@code value}; callers keep value below 2^63. */
    public static long roundUpPowerOfTwo(long value) {
        if (value <= 1) {
            return 1;
        }
        return Long.highestOneBit(value - 1) << 1;
    }

    public static boolean isPowerOfTwo(long value) {
        return value != 0 && (value & (value - 1)) == 0;
    }

    public static boolean lessThan(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    public static boolean lessOrEqual(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0;
    }

    public static long min(long a, long b) {
        return lessThan(a, b) ? a : b;
    }

    public static long max(long a, long b) {
        return lessThan(a, b) ? b : a;
    }
}
