package dev.custody.nativeio.pagetable;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;

/**
 * Off-heap 4 KiB table pages, all in one segment and recycled through a free list. Pages are
 * named by an int index, page {@code p} being the 4 KiB at byte {@code p * 4096}; nothing outside
 * this class sees a {@link MemorySegment}, so no segment can outlive its arena.
 *
 * <p>One segment for every page, rather than a slab or a slice per page, is for the walks: each
 * level then reads its entry at the segment's base plus an offset computed from the page index,
 * one dependent load per level as in C, and the JIT checks the segment's session once per walk
 * instead of once per entry. The price is growth by copying: when the free list is empty the pool
 * allocates a larger segment in a new arena, copies the pages over and closes the old arena.
 *
 * <p>The pool counts the non-zero entries of each page it hands out. The page table stores 0 for
 * every non-present entry, so a count of zero means the page is empty and may be released; a
 * released page is therefore already all zeroes and needs no clearing before reuse.
 *
 * <p>Not thread-safe. The arenas are shared rather than confined because the owner (an actor) may
 * run on a different thread for each message; the owner guarantees one thread at a time.
 */
final class TablePagePool implements AutoCloseable {

    static final long PAGE_BYTES = 4096;
    private static final int PAGE_SHIFT = 12;
    private static final long ENTRY_BYTES = ValueLayout.JAVA_LONG.byteSize();
    private static final int ENTRY_SHIFT = 3;
    private static final int ENTRIES_PER_PAGE = (int) (PAGE_BYTES / ENTRY_BYTES);

    /** Marks a page of {@link #liveEntries} that is free (or not carved yet). */
    private static final int FREE = -1;

    /**
     * Coordinates (MemorySegment memory, long byteOffset); plain 8-byte access. The unaligned
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

    private final int pagesPerSlab;

    /** The arena of {@link #memory}; null before the first page and once closed. */
    private Arena arena;

    /** Every page carved so far; empty before the first page and once closed. */
    private MemorySegment memory = MemorySegment.NULL;

    /**
     * Non-zero entries of each page in use, {@link #FREE} for a free page (a released page is
     * empty); its length is the pool's capacity in pages, and close empties it. Every entry
     * access reads it first, and that one read is the in-use check and the open check.
     */
    private int[] liveEntries = new int[0];

    private int[] freePages = new int[0];
    private int freeCount;

    private int inUseCount;
    private boolean closed;

    /**
     * @param pagesPerSlab table pages reserved at first, and the least the pool grows by; a power
     *     of two
     */
    TablePagePool(int pagesPerSlab) {
        if (pagesPerSlab <= 0 || Integer.bitCount(pagesPerSlab) != 1) {
            throw new IllegalArgumentException("pagesPerSlab must be a positive power of two: " + pagesPerSlab);
        }
        this.pagesPerSlab = pagesPerSlab;
    }

    /** Hands out an all-zero page, growing the pool when the free list is empty. */
    int allocate() {
        ensureOpen();
        if (freeCount == 0) {
            grow();
        }
        int page = freePages[--freeCount];
        liveEntries[page] = 0;
        inUseCount++;
        return page;
    }

    /** Returns an empty page to the free list. */
    void release(int page) {
        int live = liveEntries[inUse(page)];
        if (live != 0) {
            throw new IllegalStateException("table page " + page + " still has " + live + " entries");
        }
        liveEntries[page] = FREE;
        inUseCount--;
        freePages[freeCount++] = page;
    }

    /** @throws IndexOutOfBoundsException when index is outside 0..511 */
    long load(int page, int index) {
        return (long) ENTRY.get(memory, offset(page, index));
    }

    void store(int page, int index, long entry) {
        long offset = offset(page, index);
        MemorySegment memory = this.memory;
        long previous = (long) ENTRY.get(memory, offset);
        ENTRY.set(memory, offset, entry);
        liveEntries[page] += (entry != 0 ? 1 : 0) - (previous != 0 ? 1 : 0);
    }

    /**
     * Stores the non-zero {@code entry} at {@code index} when that entry is 0, else changes
     * nothing and returns false: a single leaf's map, without the run set-up of {@link #fillIfEmpty}.
     */
    boolean storeIfEmpty(int page, int index, long entry) {
        long offset = offset(page, index);
        MemorySegment memory = this.memory;
        if ((long) ENTRY.get(memory, offset) != 0) {
            return false;
        }
        ENTRY.set(memory, offset, entry);
        liveEntries[page] += entry != 0 ? 1 : 0;
        return true;
    }

    /**
     * Zeroes the entry at {@code index} when it is non-zero and returns the entries left in the
     * page, or returns -1 (nothing changed) when it was already 0: a single leaf's unmap, which
     * then needs the count to know whether the page emptied, in one access to the page.
     */
    int clearEntry(int page, int index) {
        long offset = offset(page, index);
        MemorySegment memory = this.memory;
        if ((long) ENTRY.get(memory, offset) == 0) {
            return -1;
        }
        ENTRY.set(memory, offset, 0L);
        return --liveEntries[page];
    }

    /**
     * Zeroes the entry at {@code index} when it is non-zero and has every bit of {@code required}
     * set, and says whether it did: a single leaf's unmap, as {@link #clearRun} with max 1.
     */
    boolean clearIfHas(int page, int index, long required) {
        long offset = offset(page, index);
        MemorySegment memory = this.memory;
        long entry = (long) ENTRY.get(memory, offset);
        if (entry == 0 || (entry & required) != required) {
            return false;
        }
        ENTRY.set(memory, offset, 0L);
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
        inUse(page);
        Objects.checkFromIndexSize(from, count, ENTRIES_PER_PAGE);
        if (count == 1) {
            // A single leaf inside a longer map: no loop to set up.
            return storeIfEmpty(page, from, first);
        }
        return fillRunIfEmpty(offset(page, from), page, count, first, step);
    }

    /** {@link #fillIfEmpty} for runs of two or more entries; apart so the one-entry path stays small. */
    private boolean fillRunIfEmpty(long base, int page, int count, long first, long step) {
        MemorySegment memory = this.memory;
        if (count < BULK_MIN_ENTRIES) {
            for (int k = 0; k < count; k++) {
                if ((long) ENTRY.get(memory, base + k * ENTRY_BYTES) != 0) {
                    return false;
                }
            }
        } else {
            // mismatch is a vectorised compare; -1 means the run equals zeroes throughout.
            long bytes = count * ENTRY_BYTES;
            if (MemorySegment.mismatch(memory, base, base + bytes, ZERO_PAGE, 0, bytes) != -1) {
                return false;
            }
        }
        int stored = 0;
        long entry = first;
        for (int k = 0; k < count; k++, entry += step) {
            ENTRY.set(memory, base + k * ENTRY_BYTES, entry);
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
        inUse(page);
        Objects.checkFromIndexSize(from, max, ENTRIES_PER_PAGE);
        if (max == 1) {
            // Unmapping a single leaf: no loop to set up.
            return clearIfHas(page, from, required) ? 1 : 0;
        }
        return clearLongRun(offset(page, from), page, max, required);
    }

    /** {@link #clearRun} when max is two or more; apart so the one-entry path stays small. */
    private int clearLongRun(long base, int page, int max, long required) {
        MemorySegment memory = this.memory;
        int cleared = 0;
        while (cleared < max) {
            long entry = (long) ENTRY.get(memory, base + cleared * ENTRY_BYTES);
            if (entry == 0 || (entry & required) != required) {
                break;
            }
            cleared++;
        }
        if (cleared < BULK_MIN_ENTRIES) {
            for (int k = 0; k < cleared; k++) {
                ENTRY.set(memory, base + k * ENTRY_BYTES, 0L);
            }
        } else {
            memory.asSlice(base, cleared * ENTRY_BYTES).fill((byte) 0);
        }
        liveEntries[page] -= cleared;
        return cleared;
    }

    int liveEntries(int page) {
        return liveEntries[inUse(page)];
    }

    boolean isInUse(int page) {
        int[] live = liveEntries;
        return page >= 0 && page < live.length && live[page] != FREE;
    }

    int pagesInUse() {
        return inUseCount;
    }

    /** Off-heap bytes held by the pool, in use or free. */
    long reservedBytes() {
        return memory.byteSize();
    }

    boolean isOpen() {
        return !closed;
    }

    /** Frees every page at once. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Drop our references first so nothing can reach freed memory through this object.
        freeCount = 0;
        inUseCount = 0;
        liveEntries = new int[0];
        memory = MemorySegment.NULL;
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }

    /**
     * Grows by half the current capacity, as ArrayList does, and by at least one slab's worth of
     * pages, in whole slabs: the pages are copied into a larger segment of a new arena and the old
     * arena is closed. Growing by a fixed slab instead would copy a quadratic amount; by half, each
     * page is copied about twice on average, and at most a third of the pool is free after growth.
     */
    private void grow() {
        int capacity = liveEntries.length;
        int added = Math.max(pagesPerSlab, (capacity / 2 + pagesPerSlab - 1) & -pagesPerSlab);
        int grown = Math.addExact(capacity, added);
        Arena larger = Arena.ofShared();
        MemorySegment copy;
        try {
            // Page-aligned like hardware table pages. Arena memory starts zeroed.
            copy = larger.allocate(Math.multiplyExact((long) grown, PAGE_BYTES), PAGE_BYTES);
            copy.copyFrom(memory);
        } catch (RuntimeException | Error e) {
            larger.close();
            throw e;
        }
        Arena old = arena;
        arena = larger;
        memory = copy;
        if (old != null) {
            old.close();
        }

        int[] live = Arrays.copyOf(liveEntries, grown);
        Arrays.fill(live, capacity, grown, FREE);
        liveEntries = live;
        if (freePages.length < grown) {
            freePages = Arrays.copyOf(freePages, grown);
        }
        // Pushed in reverse so the lowest index is handed out first.
        for (int page = grown - 1; page >= capacity; page--) {
            freePages[freeCount++] = page;
        }
    }

    /**
     * The byte offset of entry {@code index} of {@code page}, which must be in use. Also the open
     * check of every entry access: close empties {@link #liveEntries}, so after it no page is in
     * use, and the failure reports the closed pool first. The index check costs nothing on the
     * walks: their indices are masked to 9 bits, which the JIT sees.
     */
    private long offset(int page, int index) {
        inUse(page);
        Objects.checkIndex(index, ENTRIES_PER_PAGE);
        return ((long) page << PAGE_SHIFT) + ((long) index << ENTRY_SHIFT);
    }

    /** {@code page}, which must be in use. */
    private int inUse(int page) {
        int[] live = liveEntries;
        if (page < 0 || page >= live.length || live[page] == FREE) {
            throw notInUse(page);
        }
        return page;
    }

    /** Apart from inUse so the hot accessor stays small enough to be inlined everywhere. */
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
