package dev.custody.nativeio.pagetable;

import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_1G;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_2M;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_4K;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.custody.nativeio.pagetable.IoPageTableMapTest.Snapshot;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Calls whose range is exactly one leaf (size is a page size, iova and paddr aligned to it) take
 * a shorter path in map and unmap. These pin that path to what the general one does: the same
 * results, the same conflicts leaving no trace, the same hand-over when a leaf is smaller than the
 * request, the same edges of the address space and the same failure once closed.
 */
class IoPageTableSingleLeafTest {

    private static final int RW = IoMapping.READ | IoMapping.WRITE;

    private final IoPageTable table = new IoPageTable(PageSizeBitmap.ALL, 48);

    @AfterEach
    void closeTable() {
        if (table.isOpen()) {
            table.checkInvariants();
            table.close();
        }
    }

    @Test
    void mapsAndUnmapsOneLeafOfEverySizeAndReleasesItsTables() {
        for (long size : new long[] {SIZE_4K, SIZE_2M, SIZE_1G}) {
            long iova = 7 * SIZE_1G;
            assertEquals(MapResult.OK, table.map(iova, 3 * SIZE_1G, size, true, false), "size " + size);
            assertEquals(List.of(new IoMapping(iova, 3 * SIZE_1G, size, IoMapping.READ)), table.leaves());
            table.checkInvariants();
            assertEquals(size, table.unmap(iova, size));
            assertEquals(List.of(), table.leaves());
            assertEquals(1, table.allocatedTablePages(), "only the root is left after size " + size);
        }
    }

    @Test
    void aConflictingLeafLeavesNoTrace() {
        assertEquals(MapResult.OK, table.map(SIZE_1G, 0, SIZE_2M, true, true));
        assertEquals(MapResult.OK, table.map(SIZE_1G + 4 * SIZE_2M, SIZE_1G, SIZE_4K, true, false));
        assertEquals(MapResult.OK, table.map(8 * SIZE_1G, 0, SIZE_1G, true, true));
        Snapshot before = Snapshot.of(table);

        assertEquals(MapResult.EEXIST, table.map(SIZE_1G, SIZE_2M, SIZE_2M, true, true), "the same 2M leaf");
        assertEquals(MapResult.EEXIST, table.map(SIZE_1G + 4 * SIZE_2M, 0, SIZE_4K, true, true), "the same 4K leaf");
        assertEquals(MapResult.EEXIST, table.map(SIZE_1G + SIZE_4K, 0, SIZE_4K, true, true), "4K in a 2M leaf");
        assertEquals(
                MapResult.EEXIST,
                table.map(8 * SIZE_1G + 3 * SIZE_2M + SIZE_4K, 0, SIZE_4K, true, true),
                "4K in a 1G leaf: no table may be created below it");
        assertEquals(MapResult.EEXIST, table.map(8 * SIZE_1G + SIZE_2M, 0, SIZE_2M, true, true), "2M in a 1G leaf");
        assertEquals(MapResult.EEXIST, table.map(SIZE_1G + 4 * SIZE_2M, 0, SIZE_2M, true, true), "2M over a table");
        assertEquals(MapResult.EEXIST, table.map(SIZE_1G, 0, SIZE_1G, true, true), "1G over a table");
        before.assertUnchanged(table);
    }

    @Test
    void aConflictBelowFreshTablesIsImpossibleSoFreshTablesStay() {
        // Tables created on the way to a free slot are kept: the leaf is stored under them.
        assertEquals(MapResult.OK, table.map(1L << 40, 0, SIZE_4K, true, true));
        assertEquals(4, table.allocatedTablePages());
    }

    @Test
    void rejectsWhatTheGeneralPathRejects() {
        Snapshot before = Snapshot.of(table);
        assertEquals(MapResult.EINVAL, table.map(0, 0, SIZE_4K, false, false), "no permission");
        assertEquals(MapResult.EINVAL, table.map(1L << 48, 0, SIZE_4K, true, true), "at the limit");
        assertEquals(MapResult.EINVAL, table.map(-SIZE_2M, 0, SIZE_2M, true, true), "negative iova");
        assertEquals(MapResult.EINVAL, table.map(0, 0, 1L << 63, true, true), "2^63 is no page size");
        before.assertUnchanged(table);
        assertEquals(0, table.unmap(1L << 48, SIZE_4K));
        assertEquals(0, table.unmap(-SIZE_1G, SIZE_1G));
    }

    @Test
    void takesTheLastSlotsOfTheAddressSpaceAndTheTopPhysicalAddress() {
        long lastGig = (1L << 48) - SIZE_1G;
        assertEquals(MapResult.OK, table.map(lastGig, -SIZE_1G, SIZE_1G, true, true));
        assertEquals(-SIZE_1G + 0x1234, table.iovaToPhys(lastGig + 0x1234));
        assertEquals(SIZE_1G, table.unmap(lastGig, SIZE_1G));

        long last4K = (1L << 48) - SIZE_4K;
        assertEquals(MapResult.OK, table.map(last4K, -SIZE_4K, SIZE_4K, false, true));
        assertEquals(List.of(new IoMapping(last4K, -SIZE_4K, SIZE_4K, IoMapping.WRITE)), table.leaves());
        assertEquals(SIZE_4K, table.unmap(last4K, SIZE_4K));
    }

    @Test
    void pageSizesOutsideTheBitmapTakeTheGeneralPath() {
        try (IoPageTable no2M = new IoPageTable(new PageSizeBitmap(SIZE_4K | SIZE_1G), 48)) {
            assertEquals(MapResult.OK, no2M.map(SIZE_1G, 0, SIZE_2M, true, true));
            assertEquals(512, no2M.leaves().size(), "2M in 4K leaves");
            assertEquals(SIZE_2M, no2M.unmap(SIZE_1G, SIZE_2M));
            assertEquals(List.of(), no2M.leaves());
            no2M.checkInvariants();
        }
    }

    @Test
    void unmappingOnePartOfALargeLeafRemovesAllOfIt() {
        assertEquals(MapResult.OK, table.map(SIZE_1G, 0, SIZE_1G, true, true));
        assertEquals(SIZE_1G, table.unmap(SIZE_1G + 5 * SIZE_2M, SIZE_2M));
        assertEquals(MapResult.OK, table.map(SIZE_1G, 0, SIZE_2M, true, true));
        assertEquals(SIZE_2M, table.unmap(SIZE_1G + 9 * SIZE_4K, SIZE_4K));
        assertEquals(List.of(), table.leaves());
        assertEquals(1, table.allocatedTablePages());
    }

    @Test
    void smallerLeavesThanTheRequestAreLeftToTheGeneralLoop() {
        // Three 4K leaves, a hole, one more: a 2M unmap removes the first three and stops at the hole.
        assertEquals(MapResult.OK, table.map(SIZE_1G, 0, 3 * SIZE_4K, true, true));
        assertEquals(MapResult.OK, table.map(SIZE_1G + 4 * SIZE_4K, 0, SIZE_4K, true, true));
        assertEquals(3 * SIZE_4K, table.unmap(SIZE_1G, SIZE_2M));
        assertEquals(List.of(new IoMapping(SIZE_1G + 4 * SIZE_4K, 0, SIZE_4K, RW)), table.leaves());
        assertEquals(SIZE_4K, table.unmap(SIZE_1G + 4 * SIZE_4K, SIZE_4K));

        // 512 4K leaves (paddr is only 4K-aligned), then three 2M leaves, then a hole: a 1G unmap
        // removes all of them across two tables and frees the 4K leaves' table.
        assertEquals(MapResult.OK, table.map(2 * SIZE_1G, SIZE_4K, SIZE_2M, true, true));
        assertEquals(MapResult.OK, table.map(2 * SIZE_1G + SIZE_2M, SIZE_2M, 3 * SIZE_2M, true, true));
        assertEquals(515, table.leaves().size());
        assertEquals(4 * SIZE_2M, table.unmap(2 * SIZE_1G, SIZE_1G));
        assertEquals(List.of(), table.leaves());
        assertEquals(1, table.allocatedTablePages());
    }

    @Test
    void nothingMappedRemovesNothing() {
        assertEquals(MapResult.OK, table.map(SIZE_1G + SIZE_4K, 0, SIZE_4K, true, true));
        Snapshot before = Snapshot.of(table);
        assertEquals(0, table.unmap(SIZE_1G, SIZE_4K), "a hole beside a leaf");
        assertEquals(0, table.unmap(SIZE_1G, SIZE_2M), "a table whose first entry is a hole");
        assertEquals(0, table.unmap(4 * SIZE_1G, SIZE_1G), "an empty root entry");
        before.assertUnchanged(table);
    }

    @Test
    void aClosedTableFailsAsBefore() {
        table.close();
        IllegalStateException map =
                assertThrows(IllegalStateException.class, () -> table.map(0, 0, SIZE_4K, true, true));
        assertEquals("page table is closed", map.getMessage());
        IllegalStateException unmap = assertThrows(IllegalStateException.class, () -> table.unmap(0, SIZE_2M));
        assertEquals("page table is closed", unmap.getMessage());
    }
}
