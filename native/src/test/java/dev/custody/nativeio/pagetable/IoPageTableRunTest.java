package dev.custody.nativeio.pagetable;

import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_1G;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_2M;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_4K;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Contiguous map and unmap walk once per table page and then fill or clear consecutive entries;
 * these cases sit on the edges of that: runs that cross from one table page into the next, and
 * conflicts in the middle of a run.
 */
class IoPageTableRunTest {

    private static final int RW = IoMapping.READ | IoMapping.WRITE;
    private static final long MIB = 1L << 20;
    private static final long BASE = 7 * SIZE_1G;
    private static final long PADDR = 0x40_0000_0000L;

    private final IoPageTable table = new IoPageTable(PageSizeBitmap.ALL, 48);

    @AfterEach
    void closeTable() {
        table.checkInvariants();
        table.close();
    }

    @Test
    void aRunStartingOnePageBelowALeafTableBoundaryContinuesInTheNextTable() {
        long iova = BASE + SIZE_2M - SIZE_4K;
        // 1 MiB is shorter than 2M, so every chunk is 4K: 1 leaf in one table, 255 in the next.
        long paddr = PADDR + SIZE_2M - SIZE_4K;
        assertEquals(MapResult.OK, table.map(iova, paddr, MIB, true, false));

        assertEquals(List.of(new IoMapping(iova, paddr, MIB, IoMapping.READ)), table.dump());
        assertEquals(256, table.leaves().size());
        assertEquals(1 + 2 + 2, table.allocatedTablePages(), "root, level 3 and 2, two leaf tables");
        assertEquals(paddr, table.iovaToPhys(iova));
        assertEquals(paddr + SIZE_4K + 5, table.iovaToPhys(iova + SIZE_4K + 5));
        assertEquals(paddr + MIB - SIZE_4K, table.iovaToPhys(iova + MIB - SIZE_4K));
        assertEquals(0, table.iovaToPhys(iova + MIB));
        table.checkInvariants();

        assertEquals(MIB, table.unmap(iova, MIB));
        assertEquals(List.of(), table.dump());
        assertEquals(1, table.allocatedTablePages());
    }

    @Test
    void aRunSpanningThreeLeafTablesIsMappedAndUnmappedWhole() {
        // 4K below the first 2M boundary, all of the next 2M, 4K into the third: with paddr out
        // of 2M alignment every chunk is 4K, spread over three level-1 tables.
        long iova = BASE + SIZE_2M - SIZE_4K;
        long size = SIZE_2M + 2 * SIZE_4K;
        assertEquals(MapResult.OK, table.map(iova, PADDR + SIZE_4K, size, true, true));
        assertEquals(List.of(new IoMapping(iova, PADDR + SIZE_4K, size, RW)), table.dump());
        assertEquals(512 + 2, table.leaves().size());
        assertEquals(1 + 2 + 3, table.allocatedTablePages());
        table.checkInvariants();

        // Then the rest, from a start of its own: all of the second table and the third's page.
        assertEquals(SIZE_4K, table.unmap(iova, SIZE_4K));
        assertEquals(1 + 2 + 2, table.allocatedTablePages(), "the first leaf table emptied");
        assertEquals(size - SIZE_4K, table.unmap(iova + SIZE_4K, size - SIZE_4K));
        assertEquals(1, table.allocatedTablePages());
        assertEquals(List.of(), table.dump());
    }

    @Test
    void aRunOfLargeLeavesCrossesIntoTheNextLevelTwoTable() {
        // 2M leaves from 4M below a 1G boundary to 4M above it: two level-2 tables.
        long iova = BASE + SIZE_1G - 2 * SIZE_2M;
        long paddr = PADDR + SIZE_2M;
        assertEquals(MapResult.OK, table.map(iova, paddr, 4 * SIZE_2M, true, true));
        assertEquals(4, table.leaves().size());
        assertEquals(1 + 1 + 2, table.allocatedTablePages());

        // Part of the first 2M leaf: the whole leaf goes, and the run continues across the boundary.
        assertEquals(3 * SIZE_2M, table.unmap(iova + SIZE_4K, 2 * SIZE_2M + SIZE_4K));
        assertEquals(List.of(new IoMapping(iova + 3 * SIZE_2M, paddr + 3 * SIZE_2M, SIZE_2M, RW)), table.dump());
        table.checkInvariants();
    }

    @Test
    void mixedPageSizesInOneRunUseTheLargestThatFits() {
        // 4K up to a 2M boundary, 2M leaves up to the 1G boundary, a 1G leaf, then 4K tail.
        long iova = BASE + SIZE_1G - 2 * SIZE_2M - 2 * SIZE_4K;
        long size = 2 * SIZE_4K + 2 * SIZE_2M + SIZE_1G + 3 * SIZE_4K;
        assertEquals(MapResult.OK, table.map(iova, iova, size, true, true));
        List<IoMapping> leaves = table.leaves();
        assertEquals(2 + 2 + 1 + 3, leaves.size());
        assertEquals(SIZE_1G, leaves.get(4).size());
        assertEquals(List.of(new IoMapping(iova, iova, size, RW)), table.dump());

        assertEquals(size, table.unmap(iova, size));
        assertEquals(1, table.allocatedTablePages());
    }

    @Test
    void aConflictInTheMiddleOfARunLeavesNothingOfTheRunMapped() {
        // The obstacle sits in the second of three leaf tables the run would cover.
        long obstacle = BASE + SIZE_2M + 7 * SIZE_4K;
        assertEquals(MapResult.OK, table.map(obstacle, PADDR, SIZE_4K, true, true));
        List<IoMapping> before = table.dump();
        int pagesBefore = table.allocatedTablePages();

        long iova = BASE + SIZE_2M - SIZE_4K;
        assertEquals(MapResult.EEXIST, table.map(iova, PADDR + SIZE_4K, SIZE_2M + 2 * SIZE_4K, true, true));
        assertEquals(before, table.dump());
        assertEquals(pagesBefore, table.allocatedTablePages(), "the first leaf table was released again");
        assertEquals(0, table.iovaToPhys(iova));
        table.checkInvariants();

        // A conflict in the last of three tables, after two were filled, is undone as well.
        long late = BASE + 2 * SIZE_2M;
        assertEquals(MapResult.OK, table.map(late, PADDR, SIZE_4K, true, true));
        assertEquals(SIZE_4K, table.unmap(obstacle, SIZE_4K));
        before = table.dump();
        pagesBefore = table.allocatedTablePages();
        assertEquals(MapResult.EEXIST, table.map(iova, PADDR + SIZE_4K, SIZE_2M + 2 * SIZE_4K, true, true));
        assertEquals(before, table.dump());
        assertEquals(pagesBefore, table.allocatedTablePages());
    }

    @Test
    void aLargeLeafInTheWayOfASmallerRunIsAConflict() {
        assertEquals(MapResult.OK, table.map(BASE + SIZE_2M, PADDR, SIZE_2M, true, true));
        List<IoMapping> before = table.dump();
        // 4K leaves from below the 2M leaf run into it.
        assertEquals(
                MapResult.EEXIST, table.map(BASE + SIZE_2M - 2 * SIZE_4K, PADDR + SIZE_4K, 4 * SIZE_4K, true, true));
        assertEquals(before, table.dump());
        assertEquals(1 + 2, table.allocatedTablePages());
    }

    @Test
    void unmapStopsAtAHoleInsideALeafTable() {
        assertEquals(MapResult.OK, table.map(BASE, PADDR + SIZE_4K, 10 * SIZE_4K, true, true));
        assertEquals(MapResult.OK, table.map(BASE + 11 * SIZE_4K, PADDR, 5 * SIZE_4K, true, true));
        assertEquals(10 * SIZE_4K, table.unmap(BASE, 20 * SIZE_4K));
        assertEquals(List.of(new IoMapping(BASE + 11 * SIZE_4K, PADDR, 5 * SIZE_4K, RW)), table.dump());
    }

    @Test
    void unmapOfARunReportsOnlyWhatWasAskedForWhenMoreFollows() {
        assertEquals(MapResult.OK, table.map(BASE, PADDR + SIZE_4K, 100 * SIZE_4K, true, true));
        assertEquals(30 * SIZE_4K, table.unmap(BASE + 20 * SIZE_4K, 30 * SIZE_4K));
        assertEquals(
                List.of(
                        new IoMapping(BASE, PADDR + SIZE_4K, 20 * SIZE_4K, RW),
                        new IoMapping(BASE + 50 * SIZE_4K, PADDR + 51 * SIZE_4K, 50 * SIZE_4K, RW)),
                table.dump());
    }
}
