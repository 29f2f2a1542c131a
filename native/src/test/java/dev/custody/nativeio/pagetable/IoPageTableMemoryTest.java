package dev.custody.nativeio.pagetable;

import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_1G;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_2M;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_4K;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IoPageTableMemoryTest {

    @Test
    void anEmptyTableHoldsOnlyTheRoot() {
        try (IoPageTable table = new IoPageTable(PageSizeBitmap.ALL, 48)) {
            assertEquals(1, table.allocatedTablePages());
            assertEquals(IoPageTable.DEFAULT_PAGES_PER_SLAB * 4096L, table.reservedBytes());
        }
    }

    @Test
    void tablePagesReturnToJustTheRootAfterUnmappingEverything() {
        try (IoPageTable table = new IoPageTable(PageSizeBitmap.ALL, 48)) {
            // 4K pages far apart need their own level-1, level-2 and level-3 tables.
            assertEquals(MapResult.OK, table.map(0, 0, SIZE_4K, true, true));
            assertEquals(4, table.allocatedTablePages());
            assertEquals(MapResult.OK, table.map(1L << 39, 0, SIZE_4K, true, true));
            assertEquals(7, table.allocatedTablePages());
            assertEquals(MapResult.OK, table.map(SIZE_1G, 0, SIZE_1G, true, true));
            assertEquals(7, table.allocatedTablePages(), "a 1G leaf lives in an existing level-3 table");
            assertEquals(MapResult.OK, table.map(5 * SIZE_2M, 0, SIZE_2M, true, true));
            assertEquals(7, table.allocatedTablePages());

            assertEquals(SIZE_4K, table.unmap(1L << 39, SIZE_4K));
            assertEquals(4, table.allocatedTablePages());
            assertEquals(SIZE_1G, table.unmap(SIZE_1G, SIZE_1G));
            assertEquals(SIZE_2M, table.unmap(5 * SIZE_2M, SIZE_2M));
            assertEquals(SIZE_4K, table.unmap(0, SIZE_4K));
            assertEquals(1, table.allocatedTablePages());
            table.checkInvariants();
        }
    }

    @Test
    void emptiedPagesAreRecycledInsteadOfGrowingTheArena() {
        try (IoPageTable table = new IoPageTable(PageSizeBitmap.ALL, 48, 16)) {
            int spreadPages = 40; // one 4K leaf per 2M region: a level-1 table each, three slabs
            long reservedAfterFirstRound = -1;
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < spreadPages; i++) {
                    assertEquals(MapResult.OK, table.map(i * SIZE_2M, i * SIZE_4K, SIZE_4K, true, true));
                }
                assertEquals(1 + 2 + spreadPages, table.allocatedTablePages());
                table.checkInvariants();
                for (int i = 0; i < spreadPages; i++) {
                    assertEquals(SIZE_4K, table.unmap(i * SIZE_2M, SIZE_4K));
                }
                assertEquals(1, table.allocatedTablePages());
                if (round == 0) {
                    reservedAfterFirstRound = table.reservedBytes();
                }
                assertEquals(reservedAfterFirstRound, table.reservedBytes(), "round " + round);
            }
            assertEquals(3 * 16 * 4096L, reservedAfterFirstRound);
        }
    }

    @Test
    void closeIsIdempotentAndLaterUseFailsCleanly() {
        IoPageTable table = new IoPageTable(PageSizeBitmap.ALL, 48);
        assertEquals(MapResult.OK, table.map(0, 0, SIZE_2M, true, true));
        assertTrue(table.isOpen());
        table.close();
        assertFalse(table.isOpen());
        assertDoesNotThrow(table::close);
        assertFalse(table.isOpen());

        assertThrows(IllegalStateException.class, () -> table.map(0, 0, SIZE_4K, true, true));
        assertThrows(IllegalStateException.class, () -> table.unmap(0, SIZE_4K));
        assertThrows(IllegalStateException.class, () -> table.iovaToPhys(0));
        assertThrows(IllegalStateException.class, table::dump);
        assertThrows(IllegalStateException.class, table::checksum);
        assertThrows(IllegalStateException.class, table::allocatedTablePages);
    }
}
