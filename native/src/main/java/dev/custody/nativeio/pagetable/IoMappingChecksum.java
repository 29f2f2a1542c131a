package dev.custody.nativeio.pagetable;

import java.util.List;

/**
 * The stable checksum of a list of runs, so a table rebuilt during recovery can be compared
 * with the journal (or with another table) cheaply.
 *
 * <p>Formula: 64-bit FNV-1a over, for each run in the given (ascending iova) order, the four
 * values {@code iova}, {@code paddr}, {@code size}, {@code prot} (prot widened to a long), each
 * fed as 8 bytes little-endian. Offset basis {@code 0xcbf29ce484222325}, prime
 * {@code 0x100000001b3}. The empty list therefore hashes to the offset basis. The formula must
 * never change: checksums may be persisted.
 */
public final class IoMappingChecksum {

    static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    static final long FNV_PRIME = 0x100000001b3L;

    private IoMappingChecksum() {}

    public static long of(List<IoMapping> runs) {
        long hash = FNV_OFFSET_BASIS;
        for (IoMapping run : runs) {
            hash = mix(hash, run.iova());
            hash = mix(hash, run.paddr());
            hash = mix(hash, run.size());
            hash = mix(hash, run.prot());
        }
        return hash;
    }

    private static long mix(long hash, long value) {
        for (int shift = 0; shift < Long.SIZE; shift += Byte.SIZE) {
            hash ^= (value >>> shift) & 0xff;
            hash *= FNV_PRIME;
        }
        return hash;
    }
}
