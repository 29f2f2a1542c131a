package dev.custody.nativeio.pagetable;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;

/**
 * Off-heap 4 KiB table pages, carved from slabs of one long-lived arena and recycled through a
 * free list. Pages are named by an int index; nothing outside this class sees a
 * {@link MemorySegment}, so no segment can outlive the arena.
 *
 * <p>The pool counts the non-zero entries of each page it hands out. The page table stores 0 for
 * every non-present entry, so a count of zero means the page is empty and may be released; a
 * released page is therefore already all zeroes and needs no clearing before reuse.
 *
 * <p>Not thread-safe. The arena is shared rather than confined because the owner (an actor) may
 * run on a different thread for each message; the owner guarantees one thread at a time.
 */
final class TablePagePool implements AutoCloseable {

    static final long PAGE_BYTES = 4096;
    private static final long ENTRY_BYTES = ValueLayout.JAVA_LONG.byteSize();
    private static final int ENTRIES_PER_PAGE = (int) (PAGE_BYTES / ENTRY_BYTES);

    /**
     * Coordinates (MemorySegment slab, long byteOffset); plain 8-byte access. The unaligned
     * layout skips an alignment check per access that could never fail: slabs are page-aligned
     * and every offset is a multiple of 8.
     */
    private static final VarHandle ENTRY = ValueLayout.JAVA_LONG_UNALIGNED.varHandle();

    /**
     * Runs of at least this many entries are checked and cleared with the bulk segment
     * operations; shorter ones (a single 4K, 2M or 1G leaf) entry by entry, because the bulk
     * calls cost more to set up than they save on a few entries.
     */
    private static final int BULK_MIN_ENTRIES = 16;

    /** One page of zeroes to compare runs against; read-only, lives as long as the class. */
    private static final MemorySegment ZERO_PAGE =
            Arena.global().allocate(PAGE_BYTES).asReadOnly();

    private final Arena arena = Arena.ofShared();
    private final int pagesPerSlab;
    private final int slabShift;

    private MemorySegment[] slabs = new MemorySegment[4];
    private int slabCount;

    private int[] freePages = new int[64];
    private int freeCount;

    /**
     * Non-zero entries of each page in use, or {@link #NOT_IN_USE}. One array serves as both the
     * counts and the in-use check, so the check on every load and store costs a single array read
     * (a separate BitSet cost a visible share of a 4K map).
     */
    private int[] liveEntries = new int[0];

    private static final int NOT_IN_USE = -1;
    private int inUseCount;
    private boolean closed;

    /** @param pagesPerSlab table pages allocated from the arena at once; a power of two */
    TablePagePool(int pagesPerSlab) {
        if (pagesPerSlab <= 0 || Integer.bitCount(pagesPerSlab) != 1) {
            throw new IllegalArgumentException("pagesPerSlab must be a positive power of two: " + pagesPerSlab);
        }
        this.pagesPerSlab = pagesPerSlab;
        this.slabShift = Integer.numberOfTrailingZeros(pagesPerSlab);
    }

    /** Hands out an all-zero page, growing the pool by one slab when the free list is empty. */
    int allocate() {
        ensureOpen();
        if (freeCount == 0) {
            addSlab();
        }
        int page = freePages[--freeCount];
        liveEntries[page] = 0;
        inUseCount++;
        return page;
    }

    /** Returns an empty page to the free list. */
    void release(int page) {
        checkInUse(page);
        if (liveEntries[page] != 0) {
            throw new IllegalStateException("table page " + page + " still has " + liveEntries[page] + " entries");
        }
        liveEntries[page] = NOT_IN_USE;
        inUseCount--;
        freePages[freeCount++] = page;
    }

    long load(int page, int index) {
        checkInUse(page);
        return (long) ENTRY.get(slabOf(page), entryOffset(page, index));
    }

    void store(int page, int index, long entry) {
        checkInUse(page);
        MemorySegment slab = slabOf(page);
        long offset = entryOffset(page, index);
        long previous = (long) ENTRY.get(slab, offset);
        ENTRY.set(slab, offset, entry);
        liveEntries[page] += (entry != 0 ? 1 : 0) - (previous != 0 ? 1 : 0);
    }

    /**
     * Stores {@code first}, {@code first + step}, {@code first + 2 * step}, ... into the
     * {@code count} entries of {@code page} from index {@code from}, but only when all of them
     * are 0; otherwise changes nothing and returns false. One bounds and in-use check for the
     * whole run instead of one per entry: this is what makes a contiguous map cheap per page.
     */
    boolean fillIfEmpty(int page, int from, int count, long first, long step) {
        checkInUse(page);
        Objects.checkFromIndexSize(from, count, ENTRIES_PER_PAGE);
        MemorySegment slab = slabOf(page);
        long base = entryOffset(page, from);
        if (count == 1) {
            // A single leaf (every 2M or 1G map, most 4K ones): no loop to set up.
            if ((long) ENTRY.get(slab, base) != 0) {
                return false;
            }
            ENTRY.set(slab, base, first);
            liveEntries[page] += first != 0 ? 1 : 0;
            return true;
        }
        return fillRunIfEmpty(slab, base, page, count, first, step);
    }

    /** {@link #fillIfEmpty} for runs of two or more entries; apart so the one-entry path stays small. */
    private boolean fillRunIfEmpty(MemorySegment slab, long base, int page, int count, long first, long step) {
        if (count < BULK_MIN_ENTRIES) {
            for (int k = 0; k < count; k++) {
                if ((long) ENTRY.get(slab, base + k * ENTRY_BYTES) != 0) {
                    return false;
                }
            }
        } else {
            // mismatch is a vectorised compare; -1 means the run equals zeroes throughout.
            long bytes = count * ENTRY_BYTES;
            if (MemorySegment.mismatch(slab, base, base + bytes, ZERO_PAGE, 0, bytes) != -1) {
                return false;
            }
        }
        int stored = 0;
        long entry = first;
        for (int k = 0; k < count; k++, entry += step) {
            ENTRY.set(slab, base + k * ENTRY_BYTES, entry);
            stored += entry != 0 ? 1 : 0;
        }
        liveEntries[page] += stored;
        return true;
    }

    /**
     * Zeroes consecutive entries of {@code page} from index {@code from}, at most {@code max},
     * while each is non-zero and has every bit of {@code required} set.
     *
     * @return how many entries were zeroed
     */
    int clearRun(int page, int from, int max, long required) {
        checkInUse(page);
        Objects.checkFromIndexSize(from, max, ENTRIES_PER_PAGE);
        MemorySegment slab = slabOf(page);
        long base = entryOffset(page, from);
        if (max == 1) {
            // Unmapping a single leaf: no loop to set up.
            long entry = (long) ENTRY.get(slab, base);
            if (entry == 0 || (entry & required) != required) {
                return 0;
            }
            ENTRY.set(slab, base, 0L);
            liveEntries[page]--;
            return 1;
        }
        return clearLongRun(slab, base, page, max, required);
    }

    /** {@link #clearRun} when max is two or more; apart so the one-entry path stays small. */
    private int clearLongRun(MemorySegment slab, long base, int page, int max, long required) {
        int cleared = 0;
        while (cleared < max) {
            long entry = (long) ENTRY.get(slab, base + cleared * ENTRY_BYTES);
            if (entry == 0 || (entry & required) != required) {
                break;
            }
            cleared++;
        }
        if (cleared < BULK_MIN_ENTRIES) {
            for (int k = 0; k < cleared; k++) {
                ENTRY.set(slab, base + k * ENTRY_BYTES, 0L);
            }
        } else {
            slab.asSlice(base, cleared * ENTRY_BYTES).fill((byte) 0);
        }
        liveEntries[page] -= cleared;
        return cleared;
    }

    int liveEntries(int page) {
        checkInUse(page);
        return liveEntries[page];
    }

    boolean isInUse(int page) {
        int[] live = liveEntries;
        return page >= 0 && page < live.length && live[page] != NOT_IN_USE;
    }

    int pagesInUse() {
        return inUseCount;
    }

    /** Off-heap bytes held by the pool, in use or free. */
    long reservedBytes() {
        return (long) slabCount * pagesPerSlab * PAGE_BYTES;
    }

    boolean isOpen() {
        return !closed;
    }

    /** Frees every slab at once. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Drop our references first so nothing can reach a freed segment through this object.
        Arrays.fill(slabs, null);
        slabCount = 0;
        freeCount = 0;
        inUseCount = 0;
        liveEntries = new int[0];
        arena.close();
    }

    private void addSlab() {
        if (slabCount == slabs.length) {
            slabs = Arrays.copyOf(slabs, slabCount * 2);
        }
        // Page-aligned like hardware table pages. Arena memory starts zeroed.
        MemorySegment slab = arena.allocate(PAGE_BYTES * pagesPerSlab, PAGE_BYTES);
        int firstPage = Math.multiplyExact(slabCount, pagesPerSlab);
        slabs[slabCount++] = slab;

        int capacity = firstPage + pagesPerSlab;
        liveEntries = Arrays.copyOf(liveEntries, capacity);
        Arrays.fill(liveEntries, firstPage, capacity, NOT_IN_USE);
        if (freePages.length < capacity) {
            freePages = Arrays.copyOf(freePages, Math.max(capacity, freePages.length * 2));
        }
        // Pushed in reverse so the lowest index is handed out first.
        for (int page = capacity - 1; page >= firstPage; page--) {
            freePages[freeCount++] = page;
        }
    }

    private MemorySegment slabOf(int page) {
        return slabs[page >>> slabShift];
    }

    private long entryOffset(int page, int index) {
        Objects.checkIndex(index, ENTRIES_PER_PAGE);
        return (page & (pagesPerSlab - 1)) * PAGE_BYTES + index * ENTRY_BYTES;
    }

    /**
     * Also the open check of every entry access: close empties {@link #liveEntries}, so after it
     * no page is in use, and the failure reports the closed pool first. One array read then
     * covers both checks on the hot path.
     */
    private void checkInUse(int page) {
        if (!isInUse(page)) {
            ensureOpen();
            throw new IllegalStateException("table page " + page + " is not allocated");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("page table is closed");
        }
    }
}
