package dev.custody.nativeio.pagetable;

import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_1G;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_2M;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_4K;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PageSizeBitmapTest {

    @Test
    void picksTheLargestSizeAllowedByLengthAndBothAlignments() {
        PageSizeBitmap all = PageSizeBitmap.ALL;
        assertEquals(SIZE_1G, all.pick(0, 0, 4 * SIZE_1G), "zero addresses are aligned to everything");
        assertEquals(SIZE_1G, all.pick(SIZE_1G, 3 * SIZE_1G, SIZE_1G));
        assertEquals(SIZE_2M, all.pick(SIZE_1G, 3 * SIZE_1G, SIZE_1G - SIZE_4K), "length");
        assertEquals(SIZE_2M, all.pick(SIZE_2M, SIZE_1G, SIZE_1G), "iova alignment");
        assertEquals(SIZE_4K, all.pick(SIZE_1G, SIZE_4K, SIZE_1G), "paddr alignment");
        assertEquals(SIZE_4K, all.pick(0, 0, SIZE_2M - SIZE_4K));
    }

    @Test
    void skipsSizesNotInTheBitmap() {
        PageSizeBitmap noHuge = new PageSizeBitmap(SIZE_4K | SIZE_1G);
        assertEquals(SIZE_4K, noHuge.pick(SIZE_2M, SIZE_2M, SIZE_1G - SIZE_2M));
        assertEquals(SIZE_1G, noHuge.pick(0, 0, SIZE_1G));
    }

    @Test
    void alignmentIsToTheSmallestSize() {
        PageSizeBitmap large = new PageSizeBitmap(SIZE_2M | SIZE_1G);
        assertEquals(SIZE_2M, large.smallest());
        assertEquals(SIZE_1G, large.largest());
        assertTrue(large.isAligned(3 * SIZE_2M));
        assertFalse(large.isAligned(SIZE_2M + SIZE_4K));
    }
}
