package dev.custody.persistence.kryo;

import static dev.custody.model.mapping.Addresses.hex;

import com.esotericsoftware.kryo.KryoException;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Mapping;
import java.util.function.Consumer;

/**
 * What a journaled value must be beyond what its constructor checks, checked as it is read: the values
 * whose sizes later code turns into work or memory. A run of page-table leaves is pages of one size (a
 * power of two, at addresses aligned to it) whose count stays inside the 64-bit space (and, in a
 * table's row, inside its address width), so a count is never more than the addresses it claims; the
 * model holds a run as one value, and a domain actor's real table bounds what it expands. A type1
 * entry or an IOAS area covers at least one byte without wrapping.
 */
final class ValueChecks {
    private ValueChecks() {}

    /** The check for values of {@code type}, or one that accepts everything. */
    static Consumer<Object> forType(Class<?> type) {
        if (type == Mapping.class) {
            return value -> page((Mapping) value);
        }
        if (type == DmaMapping.class) {
            return value -> {
                DmaMapping entry = (DmaMapping) value;
                covers(entry.iova(), entry.size(), "type1 entry " + entry);
                covers(entry.vaddr(), entry.size(), "the user memory of type1 entry " + entry);
            };
        }
        if (type == IoasArea.class) {
            return value -> {
                IoasArea area = (IoasArea) value;
                covers(area.iova(), area.length(), "IOAS area at " + hex(area.iova()));
            };
        }
        return value -> {};
    }

    /**
     * Pages of one size: a power-of-two size, the IOVA and physical address aligned to it, and as many
     * pages as fit between each address and 2^64 (the count is checked against the addresses it implies
     * before anything multiplies it).
     */
    static void page(Mapping leaf) {
        long size = leaf.size();
        if (Long.bitCount(size) != 1) {
            throw new KryoException("corrupt page-table leaf " + leaf + ": its size " + hex(size)
                    + " is not one page (a power of two)");
        }
        if ((leaf.iova() & (size - 1)) != 0 || (leaf.paddr() & (size - 1)) != 0) {
            throw new KryoException("corrupt page-table leaf " + leaf + ": not aligned to its size " + hex(size));
        }
        int shift = Long.numberOfTrailingZeros(size);
        long room = Math.min(pagesAbove(leaf.iova(), shift), pagesAbove(leaf.paddr(), shift));
        if (Long.compareUnsigned(leaf.count(), room) > 0) {
            throw new KryoException("corrupt page-table leaf run at " + hex(leaf.iova()) + ": " + leaf.count()
                    + " pages of " + hex(size) + " do not fit below 2^64 (at most " + Long.toUnsignedString(room)
                    + ")");
        }
    }

    /** Pages of 2^shift bytes between the aligned {@code address} and 2^64. */
    private static long pagesAbove(long address, int shift) {
        if (shift == 0) {
            return address == 0 ? -1L : -address; // 2^64 - address, capped at the largest count
        }
        return (1L << (64 - shift)) - (address >>> shift);
    }

    /** A leaf of {@code mappings}: one of its page sizes, inside its address width. */
    static void leafOf(IommuDomainMappings mappings, Mapping leaf) {
        page(leaf);
        if ((mappings.pageSizeBitmap() & leaf.size()) == 0) {
            throw new KryoException("corrupt page-table leaf " + leaf + ": " + hex(leaf.size())
                    + " is not a page size of its table (bitmap " + hex(mappings.pageSizeBitmap()) + ")");
        }
        int width = mappings.addressWidth();
        if (width < 64 && Long.compareUnsigned(leaf.iova() + leaf.length() - 1, (1L << width) - 1) > 0) {
            throw new KryoException("corrupt page-table leaf " + leaf + ": beyond the " + width + "-bit address width");
        }
    }

    private static void covers(long start, long length, String what) {
        if (length == 0 || Long.compareUnsigned(start + length - 1, start) < 0) {
            throw new KryoException("corrupt " + what + ": " + (length == 0 ? "empty" : "wraps past 2^64"));
        }
    }
}
