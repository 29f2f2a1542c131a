package dev.custody.nativeio.pagetable;

import static dev.custody.nativeio.pagetable.PageTableEntry.MAX_LEVELS;
import static dev.custody.nativeio.pagetable.PageTableEntry.PAGE_SHIFT;
import static dev.custody.nativeio.pagetable.PageTableEntry.levelOf;
import static dev.custody.nativeio.pagetable.PageTableEntry.shift;

/**
 * The table pages an {@link IoPageTable} of one address width holds for a set of leaves, counted from
 * runs of equal leaves without mapping them: the root, and below it at each level the distinct tables
 * the leaves' walks pass through (a table holds 512 entries, so the leaves of a run share them). This
 * is exactly {@link IoPageTable#allocatedTablePages()} of a table holding those leaves, because the
 * table frees a page the moment it empties. Runs are added ascending by IOVA and must not overlap.
 */
public final class TablePageCount {
    private final int rootLevel;
    /** Per level below the root: the index of the last table counted there, -1 before the first. */
    private final long[] lastTable = new long[MAX_LEVELS + 1];

    private long pages = 1; // the root

    public TablePageCount(int addressWidth) {
        this.rootLevel = (addressWidth - PAGE_SHIFT + 8) / 9;
        java.util.Arrays.fill(lastTable, -1);
    }

    /** Adds {@code count} leaves of {@code pageSize} bytes from {@code iova} (above every run added before). */
    public TablePageCount add(long iova, long pageSize, long count) {
        long last = iova + pageSize * count - 1;
        for (int level = levelOf(pageSize); level < rootLevel; level++) {
            // the table holding level-`level` entries covers what one entry of the level above covers
            int tableShift = shift(level + 1);
            long first = iova >>> tableShift;
            long end = last >>> tableShift;
            long from = Math.max(first, lastTable[level] + 1);
            if (from <= end) {
                pages += end - from + 1;
            }
            lastTable[level] = Math.max(lastTable[level], end);
        }
        return this;
    }

    /** The table pages counted so far, the root included. */
    public long pages() {
        return pages;
    }
}
