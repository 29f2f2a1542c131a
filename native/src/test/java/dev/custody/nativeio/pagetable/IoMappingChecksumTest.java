package dev.custody.nativeio.pagetable;

import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_1G;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_2M;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_4K;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class IoMappingChecksumTest {

    // Golden values computed outside Java from the documented formula (FNV-1a 64 over the
    // little-endian bytes of iova, paddr, size, prot per run). If these change, persisted
    // checksums stop matching.

    @Test
    void emptyTableHashesToTheOffsetBasis() {
        assertEquals(0xcbf29ce484222325L, IoMappingChecksum.of(List.of()));
        try (IoPageTable table = new IoPageTable(PageSizeBitmap.ALL, 48)) {
            assertEquals(0xcbf29ce484222325L, table.checksum());
        }
    }

    @Test
    void matchesTheGoldenValueForOneRun() {
        try (IoPageTable table = new IoPageTable(PageSizeBitmap.ALL, 48)) {
            assertEquals(MapResult.OK, table.map(SIZE_1G, 5 * SIZE_1G, SIZE_1G + SIZE_2M + SIZE_4K, true, false));
            assertEquals(0xfbc586519ba755a5L, table.checksum());
        }
    }

    @Test
    void matchesTheGoldenValueForTwoRuns() {
        assertEquals(
                0xe406017e679bd244L,
                IoMappingChecksum.of(List.of(
                        new IoMapping(0, SIZE_4K, SIZE_4K, IoMapping.READ | IoMapping.WRITE),
                        new IoMapping(SIZE_2M, 2 * SIZE_2M, SIZE_2M, IoMapping.WRITE))));
    }

    @Test
    void dependsOnTheTranslationNotOnThePageSizesUsed() {
        try (IoPageTable huge = new IoPageTable(PageSizeBitmap.ALL, 48);
                IoPageTable small = new IoPageTable(new PageSizeBitmap(SIZE_4K), 48)) {
            assertEquals(MapResult.OK, huge.map(0, SIZE_2M, SIZE_2M, true, true));
            assertEquals(MapResult.OK, small.map(0, SIZE_2M, SIZE_2M, true, true));
            assertNotEquals(huge.leaves(), small.leaves());
            assertEquals(huge.dump(), small.dump());
            assertEquals(huge.checksum(), small.checksum());
        }
    }

    @Test
    void seesEveryField() {
        IoMapping base = new IoMapping(0, 0, SIZE_4K, IoMapping.READ);
        long reference = IoMappingChecksum.of(List.of(base));
        assertNotEquals(reference, IoMappingChecksum.of(List.of(new IoMapping(SIZE_4K, 0, SIZE_4K, IoMapping.READ))));
        assertNotEquals(reference, IoMappingChecksum.of(List.of(new IoMapping(0, SIZE_4K, SIZE_4K, IoMapping.READ))));
        assertNotEquals(reference, IoMappingChecksum.of(List.of(new IoMapping(0, 0, 2 * SIZE_4K, IoMapping.READ))));
        assertNotEquals(reference, IoMappingChecksum.of(List.of(new IoMapping(0, 0, SIZE_4K, IoMapping.WRITE))));
    }
}
