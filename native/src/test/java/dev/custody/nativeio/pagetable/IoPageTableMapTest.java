package dev.custody.nativeio.pagetable;

import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_1G;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_2M;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_4K;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IoPageTableMapTest {

    private static final int RW = IoMapping.READ | IoMapping.WRITE;

    private final IoPageTable table = new IoPageTable(PageSizeBitmap.ALL, 48);

    @AfterEach
    void closeTable() {
        table.checkInvariants();
        table.close();
    }

    @Test
    void rejectsMisalignedIovaPaddrAndSize() {
        assertEquals(MapResult.EINVAL, table.map(0x800, 0, SIZE_4K, true, true));
        assertEquals(MapResult.EINVAL, table.map(0, 0x10, SIZE_4K, true, true));
        assertEquals(MapResult.EINVAL, table.map(0, 0, SIZE_4K + 1, true, true));
        assertEquals(List.of(), table.dump());
    }

    @Test
    void alignmentFollowsTheSmallestPageSizeInTheBitmap() {
        try (IoPageTable largeOnly = new IoPageTable(new PageSizeBitmap(SIZE_2M | SIZE_1G), 48)) {
            assertEquals(MapResult.EINVAL, largeOnly.map(SIZE_4K, 0, SIZE_2M, true, true));
            assertEquals(MapResult.EINVAL, largeOnly.map(0, 0, SIZE_4K, true, true));
            assertEquals(MapResult.OK, largeOnly.map(SIZE_2M, 0, SIZE_2M, true, true));
            assertEquals(List.of(new IoMapping(SIZE_2M, 0, SIZE_2M, RW)), largeOnly.leaves());
        }
    }

    @Test
    void rejectsZeroSize() {
        assertEquals(MapResult.EINVAL, table.map(0, 0, 0, true, true));
    }

    @Test
    void rejectsNoPermission() {
        assertEquals(MapResult.EINVAL, table.map(0, 0, SIZE_4K, false, false));
    }

    @Test
    void holdsEveryPhysicalAddressTheKernelWouldMap() {
        // __iommu_map checks alignment only: physical addresses past 2^52 and across 2^63 map
        long across63 = Long.MAX_VALUE - SIZE_4K + 1;
        assertEquals(MapResult.OK, table.map(0, across63, 2 * SIZE_4K, true, true));
        assertEquals(MapResult.OK, table.map(SIZE_2M, -SIZE_4K, SIZE_4K, true, false));
        assertEquals(across63 + 0x10, table.iovaToPhys(0x10));
        assertEquals(Long.MIN_VALUE + 0x20, table.iovaToPhys(SIZE_4K + 0x20));
        assertEquals(-SIZE_4K, table.iovaToPhys(SIZE_2M));
        table.checkInvariants();
    }

    @Test
    void rejectsRangesBeyondTheAddressWidth() {
        long limit48 = 1L << 48;
        assertEquals(MapResult.EINVAL, table.map(limit48, 0, SIZE_4K, true, true));
        assertEquals(MapResult.EINVAL, table.map(limit48 - SIZE_4K, 0, 2 * SIZE_4K, true, true));
        assertEquals(MapResult.EINVAL, table.map(-SIZE_4K, 0, SIZE_4K, true, true));
        assertEquals(MapResult.EINVAL, table.map(0, 0, -SIZE_4K, true, true));
        // a physical range may reach 2^64 but not wrap past it
        assertEquals(MapResult.EINVAL, table.map(0, -SIZE_4K, 2 * SIZE_4K, true, true));
        assertEquals(MapResult.OK, table.map(limit48 - SIZE_4K, 0, SIZE_4K, true, true));

        try (IoPageTable narrow = new IoPageTable(PageSizeBitmap.ALL, 39)) {
            assertEquals(3, narrow.levels());
            assertEquals(MapResult.EINVAL, narrow.map(1L << 39, 0, SIZE_4K, true, true));
            assertEquals(MapResult.EINVAL, narrow.map((1L << 39) - SIZE_1G, 0, 2 * SIZE_1G, true, true));
            assertEquals(MapResult.OK, narrow.map((1L << 39) - SIZE_1G, 0, SIZE_1G, true, true));
            assertEquals(SIZE_1G - 1, narrow.iovaToPhys((1L << 39) - 1));
            narrow.checkInvariants();
        }
    }

    @Test
    void constructorRejectsImpossibleGeometry() {
        assertThrows(IllegalArgumentException.class, () -> new IoPageTable(PageSizeBitmap.ALL, 49));
        assertThrows(IllegalArgumentException.class, () -> new IoPageTable(PageSizeBitmap.ALL, 20));
        // 30 bits need two levels, which cannot hold 1 GiB leaves.
        assertThrows(IllegalArgumentException.class, () -> new IoPageTable(PageSizeBitmap.ALL, 30));
        assertThrows(IllegalArgumentException.class, () -> new IoPageTable(PageSizeBitmap.ALL, 48, 3));
        assertThrows(IllegalArgumentException.class, () -> new PageSizeBitmap(0));
        assertThrows(IllegalArgumentException.class, () -> new PageSizeBitmap(1L << 13));
    }

    @Test
    void usesTheLargestPageSizeThatAlignmentAndLengthAllow() {
        long iova = 3 * SIZE_1G;
        long paddr = 5 * SIZE_1G;
        assertEquals(MapResult.OK, table.map(iova, paddr, SIZE_1G + SIZE_2M + SIZE_4K, true, false));
        assertEquals(
                List.of(
                        new IoMapping(iova, paddr, SIZE_1G, IoMapping.READ),
                        new IoMapping(iova + SIZE_1G, paddr + SIZE_1G, SIZE_2M, IoMapping.READ),
                        new IoMapping(iova + SIZE_1G + SIZE_2M, paddr + SIZE_1G + SIZE_2M, SIZE_4K, IoMapping.READ)),
                table.leaves());
        assertEquals(List.of(new IoMapping(iova, paddr, SIZE_1G + SIZE_2M + SIZE_4K, IoMapping.READ)), table.dump());
    }

    @Test
    void smallPagesLeadUpToTheNextLargeBoundary() {
        // iova starts 4K before a 2M boundary: one 4K page, then a 2M page, then a 4K page.
        long iova = SIZE_2M - SIZE_4K;
        long paddr = 4 * SIZE_2M - SIZE_4K;
        assertEquals(MapResult.OK, table.map(iova, paddr, SIZE_2M + 2 * SIZE_4K, true, true));
        assertEquals(
                List.of(SIZE_4K, SIZE_2M, SIZE_4K),
                table.leaves().stream().map(IoMapping::size).toList());
    }

    @Test
    void paddrAlignmentLimitsThePageSize() {
        // iova is 2M-aligned but paddr only 4K-aligned: 512 small pages.
        assertEquals(MapResult.OK, table.map(SIZE_2M, SIZE_4K, SIZE_2M, true, true));
        List<IoMapping> leaves = table.leaves();
        assertEquals(512, leaves.size());
        assertEquals(SIZE_4K, leaves.stream().mapToLong(IoMapping::size).max().orElseThrow());
        assertEquals(List.of(new IoMapping(SIZE_2M, SIZE_4K, SIZE_2M, RW)), table.dump());
    }

    @Test
    void sizesMissingFromTheBitmapAreNeverUsed() {
        try (IoPageTable noHugePages = new IoPageTable(new PageSizeBitmap(SIZE_4K | SIZE_1G), 48)) {
            assertEquals(MapResult.OK, noHugePages.map(0, 0, SIZE_2M, true, true));
            assertEquals(512, noHugePages.leaves().size());
            assertEquals(MapResult.OK, noHugePages.map(SIZE_1G, SIZE_1G, SIZE_1G, true, true));
            assertEquals(513, noHugePages.leaves().size());
            noHugePages.checkInvariants();
        }
    }

    @Test
    void translatesOffsetsInsideEveryLeafSize() {
        assertEquals(MapResult.OK, table.map(SIZE_1G, 7 * SIZE_1G, SIZE_1G, true, true));
        assertEquals(MapResult.OK, table.map(4 * SIZE_1G, 9 * SIZE_2M, SIZE_2M, true, true));
        assertEquals(MapResult.OK, table.map(8 * SIZE_1G, 0x1234_5000L, SIZE_4K, true, true));

        assertEquals(7 * SIZE_1G, table.iovaToPhys(SIZE_1G));
        assertEquals(7 * SIZE_1G + 0x3456_789aL, table.iovaToPhys(SIZE_1G + 0x3456_789aL));
        assertEquals(9 * SIZE_2M + 0x1f_ffffL, table.iovaToPhys(4 * SIZE_1G + 0x1f_ffffL));
        assertEquals(0x1234_5abcL, table.iovaToPhys(8 * SIZE_1G + 0xabc));
        assertEquals(0, table.iovaToPhys(8 * SIZE_1G + SIZE_4K));
        assertEquals(0, table.iovaToPhys(2 * SIZE_1G));
        assertEquals(0, table.iovaToPhys(-1));
        assertEquals(0, table.iovaToPhys(1L << 48));
    }

    @Test
    void entriesUseTheX86FormatBits() {
        assertEquals(MapResult.OK, table.map(0, 0x4000_0000L, SIZE_1G, true, false));
        assertEquals(MapResult.OK, table.map(SIZE_1G, 0x20_0000L, SIZE_2M, false, true));
        assertEquals(MapResult.OK, table.map(2 * SIZE_1G, 0xabc_d000L, SIZE_4K, true, true));

        assertEquals(0x4000_0000L | 0x80 | 0x1, table.rawEntry(0, 3));
        assertEquals(0x20_0000L | 0x80 | 0x2, table.rawEntry(SIZE_1G, 2));
        assertEquals(0xabc_d000L | 0x3, table.rawEntry(2 * SIZE_1G, 1));
        // Non-leaf entries are present, readable and writable, without the page-size bit.
        long tableEntry = table.rawEntry(2 * SIZE_1G, 2);
        assertEquals(0x3, tableEntry & 0xfff);
    }

    @Test
    void mappingOverAnExistingLeafFailsAndChangesNothing() {
        assertEquals(MapResult.OK, table.map(SIZE_1G, 0, SIZE_2M, true, true));
        assertEquals(MapResult.OK, table.map(SIZE_1G + 4 * SIZE_2M, SIZE_1G, SIZE_4K, true, false));
        Snapshot before = Snapshot.of(table);

        assertEquals(MapResult.EEXIST, table.map(SIZE_1G, 0, SIZE_2M, true, true), "same range");
        assertEquals(MapResult.EEXIST, table.map(SIZE_1G + SIZE_4K, 0, SIZE_4K, true, true), "inside a 2M leaf");
        assertEquals(
                MapResult.EEXIST,
                table.map(SIZE_1G + 4 * SIZE_2M, 0, SIZE_2M, true, true),
                "2M over a table holding a 4K leaf");
        assertEquals(MapResult.EEXIST, table.map(SIZE_1G, 0, SIZE_1G, true, true), "1G over a table");
        assertEquals(MapResult.EEXIST, table.map(0, 0, 2 * SIZE_1G, true, true), "1G chunks, the second conflicts");
        before.assertUnchanged(table);
    }

    @Test
    void failedMapUndoesTheChunksItAlreadyMapped() {
        // The conflict is the last 4K page of a long request: 1G, 2M and 4K chunks and several
        // new table pages come first and must all disappear again.
        long iova = 4 * SIZE_1G;
        long conflict = iova + SIZE_1G + SIZE_2M + 3 * SIZE_4K;
        assertEquals(MapResult.OK, table.map(conflict, 0, SIZE_4K, true, true));
        Snapshot before = Snapshot.of(table);

        assertEquals(MapResult.EEXIST, table.map(iova, 0, SIZE_1G + SIZE_2M + 4 * SIZE_4K, true, true));
        before.assertUnchanged(table);
        assertEquals(0, table.iovaToPhys(iova));
    }

    @Test
    void writeOnlyMappingsArePresent() {
        assertEquals(MapResult.OK, table.map(0, SIZE_4K, SIZE_4K, false, true));
        assertEquals(SIZE_4K, table.iovaToPhys(0));
        assertEquals(List.of(new IoMapping(0, SIZE_4K, SIZE_4K, IoMapping.WRITE)), table.dump());
        assertEquals(MapResult.EEXIST, table.map(0, 0, SIZE_4K, true, false));
    }

    @Test
    void dumpKeepsRunsApartWhenPermissionsOrPhysicalAddressesDiffer() {
        assertEquals(MapResult.OK, table.map(0, 0, SIZE_4K, true, true));
        assertEquals(MapResult.OK, table.map(SIZE_4K, SIZE_4K, SIZE_4K, true, false));
        assertEquals(MapResult.OK, table.map(2 * SIZE_4K, 9 * SIZE_4K, SIZE_4K, true, false));
        assertEquals(MapResult.OK, table.map(3 * SIZE_4K, 10 * SIZE_4K, SIZE_4K, true, false));
        assertEquals(
                List.of(
                        new IoMapping(0, 0, SIZE_4K, RW),
                        new IoMapping(SIZE_4K, SIZE_4K, SIZE_4K, IoMapping.READ),
                        new IoMapping(2 * SIZE_4K, 9 * SIZE_4K, 2 * SIZE_4K, IoMapping.READ)),
                table.dump());
    }

    /** Everything observable about a table, to show that a failed call left no trace. */
    record Snapshot(List<IoMapping> leaves, long checksum, int tablePages) {
        static Snapshot of(IoPageTable table) {
            return new Snapshot(table.leaves(), table.checksum(), table.allocatedTablePages());
        }

        void assertUnchanged(IoPageTable table) {
            assertEquals(this, of(table));
            table.checkInvariants();
        }
    }
}
