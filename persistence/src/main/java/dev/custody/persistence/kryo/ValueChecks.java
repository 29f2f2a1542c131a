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
 * whose sizes later code turns into work or memory. A page-table leaf is one page (a power of two, at
 * an address aligned to it), so rebuilding a table from it allocates one entry, never a range split
 * into 2^28 pages; a type1 entry or an IOAS area covers at least one byte without wrapping.
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

    /** One page: a power-of-two size, the IOVA and physical address aligned to it, neither wrapping. */
    static void page(Mapping leaf) {
        long size = leaf.size();
        if (Long.bitCount(size) != 1) {
            throw new KryoException("corrupt page-table leaf " + leaf + ": its size " + hex(size)
                    + " is not one page (a power of two)");
        }
        if ((leaf.iova() & (size - 1)) != 0 || (leaf.paddr() & (size - 1)) != 0) {
            throw new KryoException("corrupt page-table leaf " + leaf + ": not aligned to its size " + hex(size));
        }
        covers(leaf.iova(), size, "page-table leaf " + leaf);
        covers(leaf.paddr(), size, "the physical range of page-table leaf " + leaf);
    }

    /** A leaf of {@code mappings}: one of its page sizes, inside its address width. */
    static void leafOf(IommuDomainMappings mappings, Mapping leaf) {
        page(leaf);
        if ((mappings.pageSizeBitmap() & leaf.size()) == 0) {
            throw new KryoException("corrupt page-table leaf " + leaf + ": " + hex(leaf.size())
                    + " is not a page size of its table (bitmap " + hex(mappings.pageSizeBitmap()) + ")");
        }
        int width = mappings.addressWidth();
        if (width < 64 && Long.compareUnsigned(leaf.iova() + leaf.size() - 1, (1L << width) - 1) > 0) {
            throw new KryoException("corrupt page-table leaf " + leaf + ": beyond the " + width + "-bit address width");
        }
    }

    private static void covers(long start, long length, String what) {
        if (length == 0 || Long.compareUnsigned(start + length - 1, start) < 0) {
            throw new KryoException("corrupt " + what + ": " + (length == 0 ? "empty" : "wraps past 2^64"));
        }
    }
}
