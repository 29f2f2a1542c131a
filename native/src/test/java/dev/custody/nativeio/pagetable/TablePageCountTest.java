package dev.custody.nativeio.pagetable;

import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_1G;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_2M;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_4K;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The table pages counted from runs are the pages a real table holding those leaves has allocated: for
 * seeded random maps and unmaps on 39- and 48-bit tables, counted leaf by leaf and as runs of equal
 * leaves, and for a 1 TiB range of 4 KiB pages that is never mapped.
 */
class TablePageCountTest {

    @Test
    void countsTheRootAndEveryTableAWalkPassesThrough() {
        assertEquals(1, new TablePageCount(48).pages());
        assertEquals(4, new TablePageCount(48).add(0, SIZE_4K, 1).pages());
        assertEquals(3, new TablePageCount(48).add(0, SIZE_2M, 1).pages());
        // 1 TiB of 4K pages: 2^19 leaf tables, 2^10 above them, 2 above those, and the root
        assertEquals(
                1 + 2 + 1024 + (1L << 19),
                new TablePageCount(48).add(0, SIZE_4K, 1L << 28).pages());
    }

    @Test
    void randomTablesHaveTheCountedPages() {
        for (int width : new int[] {39, 48}) {
            for (long seed = 1; seed <= 40; seed++) {
                Random random = new Random(seed);
                try (IoPageTable table = new IoPageTable(PageSizeBitmap.ALL, width)) {
                    for (int op = 0; op < 60; op++) {
                        long iova = SIZE_4K * random.nextLong(1L << 22) % (1L << (width - 1));
                        long paddr = random.nextBoolean() ? iova : SIZE_4K * random.nextInt(1 << 20);
                        long size = SIZE_4K * (random.nextBoolean() ? 1 + random.nextInt(8) : 1 + random.nextInt(1500));
                        if (random.nextInt(3) == 0) {
                            table.unmap(iova, size);
                        } else {
                            table.map(iova, paddr, size, true, random.nextBoolean());
                        }
                        String where = width + "-bit seed " + seed + " op " + op;
                        assertEquals(table.allocatedTablePages(), leafByLeaf(width, table.leaves()), where);
                        assertEquals(table.allocatedTablePages(), asRuns(width, table.leaves()), where);
                    }
                }
            }
        }
    }

    private static long leafByLeaf(int width, List<IoMapping> leaves) {
        TablePageCount count = new TablePageCount(width);
        leaves.forEach(leaf -> count.add(leaf.iova(), leaf.size(), 1));
        return count.pages();
    }

    /** Neighbouring leaves of one size with contiguous IOVAs, counted as one run. */
    private static long asRuns(int width, List<IoMapping> leaves) {
        TablePageCount count = new TablePageCount(width);
        int n = 0;
        while (n < leaves.size()) {
            IoMapping first = leaves.get(n);
            int end = n + 1;
            while (end < leaves.size()
                    && leaves.get(end).size() == first.size()
                    && leaves.get(end).iova() == first.iova() + (end - n) * first.size()) {
                end++;
            }
            count.add(first.iova(), first.size(), end - n);
            n = end;
        }
        return count.pages();
    }

    @Test
    void largePagesNeedNoTablesBelowThem() {
        assertEquals(2, new TablePageCount(48).add(0, SIZE_1G, 3).pages());
        assertEquals(1, new TablePageCount(39).add(0, SIZE_1G, 3).pages());
    }
}
