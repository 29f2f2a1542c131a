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
     * Coordinates (MemorySegment page, long byteOffset); plain 8-byte access. The unaligned
     * layout skips an alignment check per access that could never fail: pages are page-aligned
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

    private int slabCount;

    /**
     * Every page carved so far, by index: a 4 KiB slice of its slab, made once when the slab is
     * added so that allocating a page creates nothing.
     */
    private MemorySegment[] slices = new MemorySegment[0];

    /**
     * The slice of each page in use, null for a free page; empty once closed. Every entry access
     * goes through it, and one array read there does three checks: the page is in use (null
     * otherwise), the pool is open (close empties the array), and, through the slice's own
     * bounds of 4 KiB, the entry index lies inside the page. It also hands the access its
     * segment, so the walk's chain of dependent loads per level is the same as finding the slab.
     */
    private MemorySegment[] pagesInUse = new MemorySegment[0];

    private int[] freePages = new int[64];
    private int freeCount;

    /** Non-zero entries of each page in use; 0 for a free page (a released page is empty). */
    private int[] liveEntries = new int[0];

    private int inUseCount;
    private boolean closed;

    /** @param pagesPerSlab table pages allocated from the arena at once; a power of two */
    TablePagePool(int pagesPerSlab) {
        if (pagesPerSlab <= 0 || Integer.bitCount(pagesPerSlab) != 1) {
            throw new IllegalArgumentException("pagesPerSlab must be a positive power of two: " + pagesPerSlab);
        }
        this.pagesPerSlab = pagesPerSlab;
    }

    /** Hands out an all-zero page, growing the pool by one slab when the free list is empty. */
    int allocate() {
        ensureOpen();
        if (freeCount == 0) {
            addSlab();
        }
        int page = freePages[--freeCount];
        pagesInUse[page] = slices[page];
        inUseCount++;
        return page;
    }

    /** Returns an empty page to the free list. */
    void release(int page) {
        pageInUse(page);
        if (liveEntries[page] != 0) {
            throw new IllegalStateException("table page " + page + " still has " + liveEntries[page] + " entries");
        }
        pagesInUse[page] = null;
        inUseCount--;
        freePages[freeCount++] = page;
    }

    /** @throws IndexOutOfBoundsException when index is outside 0..511 (the slice's bounds check) */
    long load(int page, int index) {
        return (long) ENTRY.get(pageInUse(page), index * ENTRY_BYTES);
    }

    void store(int page, int index, long entry) {
        MemorySegment slice = pageInUse(page);
        long offset = index * ENTRY_BYTES;
        long previous = (long) ENTRY.get(slice, offset);
        ENTRY.set(slice, offset, entry);
        liveEntries[page] += (entry != 0 ? 1 : 0) - (previous != 0 ? 1 : 0);
    }

    /**
     * Stores the non-zero {@code entry} at {@code index} when that entry is 0, else changes
     * nothing and returns false: a single leaf's map, without the run set-up of {@link #fillIfEmpty}.
     */
    boolean storeIfEmpty(int page, int index, long entry) {
        MemorySegment slice = pageInUse(page);
        long offset = index * ENTRY_BYTES;
        if ((long) ENTRY.get(slice, offset) != 0) {
            return false;
        }
        ENTRY.set(slice, offset, entry);
        liveEntries[page] += entry != 0 ? 1 : 0;
        return true;
    }

    /**
     * Zeroes the entry at {@code index} when it is non-zero and returns the entries left in the
     * page, or returns -1 (nothing changed) when it was already 0: a single leaf's unmap, which
     * then needs the count to know whether the page emptied, in one access to the page.
     */
    int clearEntry(int page, int index) {
        MemorySegment slice = pageInUse(page);
        long offset = index * ENTRY_BYTES;
        if ((long) ENTRY.get(slice, offset) == 0) {
            return -1;
        }
        ENTRY.set(slice, offset, 0L);
        return --liveEntries[page];
    }

    /**
     * Zeroes the entry at {@code index} when it is non-zero and has every bit of {@code required}
     * set, and says whether it did: a single leaf's unmap, as {@link #clearRun} with max 1.
     */
    boolean clearIfHas(int page, int index, long required) {
        MemorySegment slice = pageInUse(page);
        long offset = index * ENTRY_BYTES;
        long entry = (long) ENTRY.get(slice, offset);
        if (entry == 0 || (entry & required) != required) {
            return false;
        }
        ENTRY.set(slice, offset, 0L);
        liveEntries[page]--;
        return true;
    }

    /**
     * Stores {@code first}, {@code first + step}, {@code first + 2 * step}, ... into the
     * {@code count} entries of {@code page} from index {@code from}, but only when all of them
     * are 0; otherwise changes nothing and returns false. One bounds and in-use check for the
     * whole run instead of one per entry: this is what makes a contiguous map cheap per page.
     */
    boolean fillIfEmpty(int page, int from, int count, long first, long step) {
        MemorySegment slice = pageInUse(page);
        Objects.checkFromIndexSize(from, count, ENTRIES_PER_PAGE);
        if (count == 1) {
            // A single leaf inside a longer map: no loop to set up.
            return storeIfEmpty(page, from, first);
        }
        return fillRunIfEmpty(slice, from * ENTRY_BYTES, page, count, first, step);
    }

    /** {@link #fillIfEmpty} for runs of two or more entries; apart so the one-entry path stays small. */
    private boolean fillRunIfEmpty(MemorySegment slice, long base, int page, int count, long first, long step) {
        if (count < BULK_MIN_ENTRIES) {
            for (int k = 0; k < count; k++) {
                if ((long) ENTRY.get(slice, base + k * ENTRY_BYTES) != 0) {
                    return false;
                }
            }
        } else {
            // mismatch is a vectorised compare; -1 means the run equals zeroes throughout.
            long bytes = count * ENTRY_BYTES;
            if (MemorySegment.mismatch(slice, base, base + bytes, ZERO_PAGE, 0, bytes) != -1) {
                return false;
            }
        }
        int stored = 0;
        long entry = first;
        for (int k = 0; k < count; k++, entry += step) {
            ENTRY.set(slice, base + k * ENTRY_BYTES, entry);
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
        MemorySegment slice = pageInUse(page);
        Objects.checkFromIndexSize(from, max, ENTRIES_PER_PAGE);
        if (max == 1) {
            // Unmapping a single leaf: no loop to set up.
            return clearIfHas(page, from, required) ? 1 : 0;
        }
        return clearLongRun(slice, from * ENTRY_BYTES, page, max, required);
    }

    /** {@link #clearRun} when max is two or more; apart so the one-entry path stays small. */
    private int clearLongRun(MemorySegment slice, long base, int page, int max, long required) {
        int cleared = 0;
        while (cleared < max) {
            long entry = (long) ENTRY.get(slice, base + cleared * ENTRY_BYTES);
            if (entry == 0 || (entry & required) != required) {
                break;
            }
            cleared++;
        }
        if (cleared < BULK_MIN_ENTRIES) {
            for (int k = 0; k < cleared; k++) {
                ENTRY.set(slice, base + k * ENTRY_BYTES, 0L);
            }
        } else {
            slice.asSlice(base, cleared * ENTRY_BYTES).fill((byte) 0);
        }
        liveEntries[page] -= cleared;
        return cleared;
    }

    int liveEntries(int page) {
        pageInUse(page);
        return liveEntries[page];
    }

    boolean isInUse(int page) {
        MemorySegment[] inUse = pagesInUse;
        return page >= 0 && page < inUse.length && inUse[page] != null;
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
        slabCount = 0;
        freeCount = 0;
        inUseCount = 0;
        Arrays.fill(slices, null);
        pagesInUse = new MemorySegment[0];
        liveEntries = new int[0];
        arena.close();
    }

    private void addSlab() {
        // Page-aligned like hardware table pages. Arena memory starts zeroed.
        MemorySegment slab = arena.allocate(PAGE_BYTES * pagesPerSlab, PAGE_BYTES);
        int firstPage = Math.multiplyExact(slabCount, pagesPerSlab);
        slabCount++;

        int capacity = firstPage + pagesPerSlab;
        liveEntries = Arrays.copyOf(liveEntries, capacity);
        pagesInUse = Arrays.copyOf(pagesInUse, capacity);
        slices = Arrays.copyOf(slices, capacity);
        for (int i = 0; i < pagesPerSlab; i++) {
            slices[firstPage + i] = slab.asSlice(i * PAGE_BYTES, PAGE_BYTES);
        }
        if (freePages.length < capacity) {
            freePages = Arrays.copyOf(freePages, Math.max(capacity, freePages.length * 2));
        }
        // Pushed in reverse so the lowest index is handed out first.
        for (int page = capacity - 1; page >= firstPage; page--) {
            freePages[freeCount++] = page;
        }
    }

    /**
     * The slice of {@code page}, which must be in use. Also the open check of every entry access:
     * close empties {@link #pagesInUse}, so after it no page is in use, and the failure reports
     * the closed pool first.
     */
    private MemorySegment pageInUse(int page) {
        MemorySegment[] inUse = pagesInUse;
        MemorySegment slice;
        if (page < 0 || page >= inUse.length || (slice = inUse[page]) == null) {
            throw notInUse(page);
        }
        return slice;
    }

    /** Apart from pageInUse so the hot accessor stays small enough to be inlined everywhere. */
    private IllegalStateException notInUse(int page) {
        ensureOpen();
        return new IllegalStateException("table page " + page + " is not allocated");
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("page table is closed");
        }
    }
}
