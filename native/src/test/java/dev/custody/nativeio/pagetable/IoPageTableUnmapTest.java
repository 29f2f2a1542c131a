package dev.custody.nativeio.pagetable;

import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_1G;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_2M;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_4K;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IoPageTableUnmapTest {

    private static final int RW = IoMapping.READ | IoMapping.WRITE;

    private final IoPageTable table = new IoPageTable(PageSizeBitmap.ALL, 48);

    @AfterEach
    void closeTable() {
        table.checkInvariants();
        table.close();
    }

    @Test
    void unmapsExactlyWhatWasMapped() {
        assertEquals(MapResult.OK, table.map(SIZE_1G, 0, SIZE_1G + SIZE_2M + SIZE_4K, true, true));
        assertEquals(SIZE_1G + SIZE_2M + SIZE_4K, table.unmap(SIZE_1G, SIZE_1G + SIZE_2M + SIZE_4K));
        assertEquals(List.of(), table.dump());
        assertEquals(0, table.iovaToPhys(SIZE_1G));
    }

    @Test
    void misalignedOrEmptyRequestsRemoveNothing() {
        assertEquals(MapResult.OK, table.map(0, 0, SIZE_2M, true, true));
        assertEquals(0, table.unmap(0x800, SIZE_4K));
        assertEquals(0, table.unmap(0, SIZE_4K + 0x800));
        assertEquals(0, table.unmap(0, 0));
        assertEquals(0, table.unmap(0, -SIZE_4K));
        assertEquals(0, table.unmap(-SIZE_4K, SIZE_4K));
        assertEquals(0, table.unmap(1L << 48, SIZE_4K));
        assertEquals(List.of(new IoMapping(0, 0, SIZE_2M, RW)), table.dump());
    }

    @Test
    void partOfALargePageRemovesTheWholePageAndReportsItsSize() {
        assertEquals(MapResult.OK, table.map(SIZE_1G, 0, SIZE_2M, true, true));
        assertEquals(SIZE_2M, table.unmap(SIZE_1G + 5 * SIZE_4K, SIZE_4K));
        assertEquals(List.of(), table.dump());

        assertEquals(MapResult.OK, table.map(2 * SIZE_1G, 0, SIZE_1G, true, true));
        assertEquals(SIZE_1G, table.unmap(2 * SIZE_1G, SIZE_2M));
        assertEquals(List.of(), table.dump());
    }

    @Test
    void stopsOnceTheRequestedSizeIsReachedEvenAfterALargePage() {
        // A 2M page then a 4K page. Starting 4K into the 2M page with size 2M removes the 2M page
        // (2M reported, enough) and leaves the 4K page, as the kernel's unmap loop does.
        assertEquals(MapResult.OK, table.map(0, 0, SIZE_2M + SIZE_4K, true, true));
        assertEquals(SIZE_2M, table.unmap(SIZE_4K, SIZE_2M));
        assertEquals(List.of(new IoMapping(SIZE_2M, SIZE_2M, SIZE_4K, RW)), table.dump());
    }

    @Test
    void continuesFromTheEndOfARemovedLargePage() {
        assertEquals(MapResult.OK, table.map(0, 0, SIZE_2M + 2 * SIZE_4K, true, true));
        assertEquals(SIZE_2M + SIZE_4K, table.unmap(SIZE_4K, SIZE_2M + SIZE_4K));
        assertEquals(List.of(new IoMapping(SIZE_2M + SIZE_4K, SIZE_2M + SIZE_4K, SIZE_4K, RW)), table.dump());
    }

    @Test
    void stopsAtTheFirstUnmappedPosition() {
        assertEquals(MapResult.OK, table.map(0, 0, 2 * SIZE_4K, true, true));
        assertEquals(MapResult.OK, table.map(3 * SIZE_4K, 0, SIZE_4K, true, true));
        assertEquals(2 * SIZE_4K, table.unmap(0, 4 * SIZE_4K));
        assertEquals(List.of(new IoMapping(3 * SIZE_4K, 0, SIZE_4K, RW)), table.dump());
        assertEquals(0, table.unmap(0, 4 * SIZE_4K), "nothing at the start");
    }

    @Test
    void removesLeavesOfMixedSizesInOneCall() {
        assertEquals(MapResult.OK, table.map(SIZE_1G - SIZE_4K, 0, SIZE_4K, true, true));
        assertEquals(MapResult.OK, table.map(SIZE_1G, SIZE_1G, SIZE_1G + SIZE_2M, true, false));
        assertEquals(SIZE_4K + SIZE_1G + SIZE_2M, table.unmap(SIZE_1G - SIZE_4K, 3 * SIZE_1G));
        assertEquals(List.of(), table.dump());
    }

    @Test
    void unmapAtTheTopOfTheAddressSpaceStopsAtTheLimit() {
        long top = (1L << 48) - SIZE_4K;
        assertEquals(MapResult.OK, table.map(top, 0, SIZE_4K, true, true));
        assertEquals(SIZE_4K, table.unmap(top, 4 * SIZE_4K));
        assertEquals(List.of(), table.dump());
    }

    @Test
    void aRegionCanBeMappedAgainAfterUnmap() {
        assertEquals(MapResult.OK, table.map(0, 0, SIZE_2M, true, true));
        assertEquals(SIZE_2M, table.unmap(0, SIZE_2M));
        assertEquals(MapResult.OK, table.map(0, SIZE_2M, SIZE_2M, true, false));
        assertEquals(SIZE_2M + 0x10, table.iovaToPhys(0x10));
    }
}
