package dev.custody.model.mapping;

import static dev.custody.model.mapping.Addresses.hex;

import java.util.AbstractList;
import java.util.List;

/**
 * A run of {@code count} leaves of one I/O page table, each {@code size} bytes: leaf {@code n} translates
 * {@code [iova + n * size, iova + (n + 1) * size)} to {@code paddr + n * size}, all with {@code prot}.
 * A single leaf is a run of one. Runs let a table hold what one iommu_map() of 1 TiB in 4 KiB pages adds
 * (2^28 leaves) as a handful of values, with every leaf still exactly where iommu_pgsize() put it.
 */
public record Mapping(long iova, long paddr, long size, Prot prot, long count) {

    public Mapping {
        if (count < 1) {
            throw new IllegalArgumentException("a run holds at least one leaf, not " + count);
        }
    }

    /** One leaf. */
    public Mapping(long iova, long paddr, long size, Prot prot) {
        this(iova, paddr, size, prot, 1);
    }

    /** What a run journaled before runs existed holds: one leaf (the journal reads an absent count as this). */
    public static long defaultCount() {
        return 1;
    }

    /** Bytes the run translates: {@code size * count} (the caller keeps it inside 2^64). */
    public long length() {
        return size * count;
    }

    public IovaRange range() {
        return IovaRange.ofLength(iova, length());
    }

    public boolean covers(long address) {
        return Long.compareUnsigned(address - iova, length()) < 0;
    }

    /** The IOVA just past the run; 0 when the run ends at the top of the 64-bit space. */
    public long end() {
        return iova + length();
    }

    /** Leaf {@code n} of the run, as a run of one. */
    public Mapping leaf(long n) {
        return new Mapping(iova + n * size, paddr + n * size, size, prot);
    }

    /** The leaf that holds {@code address}, which the run covers. */
    public Mapping leafAt(long address) {
        return leaf(Long.divideUnsigned(address - iova, size));
    }

    /** Leaves {@code from} to {@code from + leaves - 1} of the run, as a run. */
    public Mapping slice(long from, long leaves) {
        return new Mapping(iova + from * size, paddr + from * size, size, prot, leaves);
    }

    /** True when {@code next} starts where this run ends and continues it leaf for leaf (same size, prot, paddr). */
    public boolean isContinuedBy(Mapping next) {
        return size == next.size
                && prot.equals(next.prot)
                && next.iova == end()
                && next.iova != 0
                && next.paddr == paddr + length();
    }

    /**
     * The run's leaves, one by one, computed when read: a view, so a run of 2^28 leaves costs nothing
     * until somebody walks it (only the actor's real page table and small audits do).
     */
    public List<Mapping> leaves() {
        if (count > Integer.MAX_VALUE) {
            throw new IllegalStateException("the run " + this + " has more leaves than a list can index");
        }
        return new AbstractList<>() {
            @Override
            public Mapping get(int index) {
                if (index < 0 || index >= count) {
                    throw new IndexOutOfBoundsException(index);
                }
                return leaf(index);
            }

            @Override
            public int size() {
                return (int) count;
            }
        };
    }

    @Override
    public String toString() {
        String leaf = "[" + hex(iova) + ", " + hex(end()) + ") -> " + hex(paddr) + " " + prot;
        return count == 1 ? leaf : leaf + " in " + count + " leaves of " + hex(size);
    }
}
