package dev.custody.nativeio.pagetable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TablePagePoolTest {

    @Test
    void growsBySlabsAndRecyclesReleasedPages() {
        try (TablePagePool pool = new TablePagePool(4)) {
            assertEquals(0, pool.reservedBytes());
            int[] pages = new int[5];
            for (int i = 0; i < pages.length; i++) {
                pages[i] = pool.allocate();
            }
            assertEquals(5, pool.pagesInUse());
            assertEquals(2 * 4 * TablePagePool.PAGE_BYTES, pool.reservedBytes());

            pool.release(pages[2]);
            assertEquals(pages[2], pool.allocate(), "the free list hands the released page out again");
            assertEquals(2 * 4 * TablePagePool.PAGE_BYTES, pool.reservedBytes());
        }
    }

    @Test
    void growingCopiesEveryPageAndGrowsByHalfInWholeSlabs() {
        try (TablePagePool pool = new TablePagePool(4)) {
            int first = pool.allocate();
            pool.store(first, 0, 0x1003);
            pool.store(first, 511, 0x2003);
            // 4 pages, then 8, 12, 20 (half of 12 is 6, rounded up to whole slabs of 4).
            long[] reserved = {4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12, 20};
            for (int used = 1; used < reserved.length; used++) {
                assertEquals(reserved[used - 1] * TablePagePool.PAGE_BYTES, pool.reservedBytes(), "pages " + used);
                pool.store(pool.allocate(), used, 0x3003);
            }
            assertEquals(20 * TablePagePool.PAGE_BYTES, pool.reservedBytes(), "13 pages");
            assertEquals(0x1003, pool.load(first, 0), "copied over at every growth");
            assertEquals(0x2003, pool.load(first, 511));
            assertEquals(2, pool.liveEntries(first));
            assertEquals(0x3003, pool.load(12, 12));
            assertEquals(1, pool.liveEntries(12));
            assertEquals(0, pool.load(12, 0), "a fresh page is zeroed");
        }
    }

    @Test
    void countsNonZeroEntriesAndRefusesToReleaseAPageInUse() {
        try (TablePagePool pool = new TablePagePool(4)) {
            int page = pool.allocate();
            pool.store(page, 0, 0x1003);
            pool.store(page, 511, 0x2003);
            pool.store(page, 0, 0x5003); // overwriting a live entry keeps the count
            assertEquals(2, pool.liveEntries(page));
            assertThrows(IllegalStateException.class, () -> pool.release(page));

            pool.store(page, 0, 0);
            pool.store(page, 511, 0);
            assertEquals(0, pool.liveEntries(page));
            pool.release(page);
            assertThrows(IllegalStateException.class, () -> pool.release(page), "double release");
            assertThrows(IllegalStateException.class, () -> pool.load(page, 0), "use after release");
        }
    }

    @Test
    void boundsAreChecked() {
        try (TablePagePool pool = new TablePagePool(4)) {
            int page = pool.allocate();
            assertThrows(IndexOutOfBoundsException.class, () -> pool.load(page, 512));
            assertThrows(IndexOutOfBoundsException.class, () -> pool.store(page, -1, 1));
            assertThrows(IllegalStateException.class, () -> pool.load(page + 1, 0), "allocated slab, unallocated page");
            assertThrows(IllegalStateException.class, () -> pool.load(1000, 0), "beyond every slab");
        }
    }

    @Test
    void singleEntryStoreAndClearKeepTheCountAndTheChecks() {
        try (TablePagePool pool = new TablePagePool(4)) {
            int page = pool.allocate();
            assertEquals(true, pool.storeIfEmpty(page, 7, 0x1083));
            assertEquals(false, pool.storeIfEmpty(page, 7, 0x2003), "taken");
            assertEquals(0x1083, pool.load(page, 7));
            assertEquals(1, pool.liveEntries(page));
            assertEquals(false, pool.clearIfHas(page, 7, 0x100), "lacks a required bit");
            assertEquals(false, pool.clearIfHas(page, 8, 0), "already empty");
            assertEquals(true, pool.clearIfHas(page, 7, 0x80));
            assertEquals(0, pool.liveEntries(page));
            assertEquals(true, pool.storeIfEmpty(page, 7, 0x1003));
            assertEquals(true, pool.storeIfEmpty(page, 9, 0x2003));
            assertEquals(1, pool.clearEntry(page, 7), "one entry left");
            assertEquals(-1, pool.clearEntry(page, 7), "already empty");
            assertEquals(0, pool.clearEntry(page, 9));
            assertEquals(0, pool.liveEntries(page));
            assertThrows(IndexOutOfBoundsException.class, () -> pool.storeIfEmpty(page, 512, 0x1003));
            assertThrows(IndexOutOfBoundsException.class, () -> pool.clearIfHas(page, -1, 0));
            pool.release(page);
            assertThrows(IllegalStateException.class, () -> pool.storeIfEmpty(page, 0, 0x1003), "released");
            assertThrows(IllegalStateException.class, () -> pool.clearIfHas(page, 0, 0), "released");
        }
    }

    @Test
    void closeIsIdempotentAndLaterUseFails() {
        TablePagePool pool = new TablePagePool(4);
        int page = pool.allocate();
        pool.close();
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.load(page, 0));
        assertThrows(IllegalStateException.class, pool::allocate);
        IllegalStateException closed =
                assertThrows(IllegalStateException.class, () -> pool.storeIfEmpty(page, 0, 0x1003));
        assertEquals("page table is closed", closed.getMessage());
    }

    @Test
    void fillsARunOnlyWhenEveryEntryOfItIsEmpty() {
        try (TablePagePool pool = new TablePagePool(4)) {
            int page = pool.allocate();
            pool.store(page, 20, 0x9003);
            assertEquals(false, pool.fillIfEmpty(page, 10, 11, 0x1003, 0x1000), "index 20 is taken");
            assertEquals(0, pool.load(page, 10));
            assertEquals(1, pool.liveEntries(page));

            assertEquals(true, pool.fillIfEmpty(page, 10, 10, 0x1003, 0x1000));
            assertEquals(0x1003, pool.load(page, 10));
            assertEquals(0xA003, pool.load(page, 19));
            assertEquals(11, pool.liveEntries(page));
            assertThrows(IndexOutOfBoundsException.class, () -> pool.fillIfEmpty(page, 510, 3, 0x1003, 0x1000));

            // Long runs take the bulk path: a conflict in the last entry still stores nothing.
            pool.store(page, 511, 0x9003);
            assertEquals(false, pool.fillIfEmpty(page, 100, 412, 0x1003, 0x1000));
            assertEquals(0, pool.load(page, 100));
            assertEquals(true, pool.fillIfEmpty(page, 100, 411, 0x1003, 0x1000));
            assertEquals(0x1003 + 410 * 0x1000, pool.load(page, 510));
            assertEquals(1 + 10 + 411 + 1, pool.liveEntries(page));
            assertEquals(412, pool.clearRun(page, 100, 412, 0), "the long run and the entry after it");
            assertEquals(0, pool.load(page, 300));
            assertEquals(11, pool.liveEntries(page));
        }
    }

    @Test
    void clearsARunUpToTheFirstEntryThatIsZeroOrLacksTheRequiredBits() {
        try (TablePagePool pool = new TablePagePool(4)) {
            int page = pool.allocate();
            assertEquals(true, pool.fillIfEmpty(page, 0, 8, 0x1083, 0x1000));
            pool.store(page, 3, 0x5003); // no 0x80 bit
            assertEquals(3, pool.clearRun(page, 0, 8, 0x80));
            assertEquals(5, pool.liveEntries(page));
            assertEquals(4, pool.clearRun(page, 3, 4, 0), "stops after max entries");
            assertEquals(1, pool.liveEntries(page));
            assertEquals(0, pool.clearRun(page, 0, 3, 0), "index 0 is already empty");
            assertEquals(1, pool.clearRun(page, 7, 1, 0));
            assertEquals(0, pool.liveEntries(page));
            pool.release(page);
        }
    }
}
