package dev.custody.rules.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.IovaRange;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RangeUnionTest {

    static final long MAX = 0xffff_ffff_ffff_ffffL;

    @Test
    void mergeJoinsTouchingAndOverlappingRangesInUnsignedOrder() {
        List<IovaRange> merged = RangeUnion.merge(List.of(
                new IovaRange(0x8000_0000_0000_0000L, MAX),
                new IovaRange(0, 9),
                new IovaRange(10, 20),
                new IovaRange(15, 30)));
        assertEquals(List.of(new IovaRange(0, 30), new IovaRange(0x8000_0000_0000_0000L, MAX)), merged);
    }

    @Test
    void holesCoverTheTopOfTheAddressSpace() {
        assertEquals(
                List.of(new IovaRange(10, MAX)), RangeUnion.holes(List.of(new IovaRange(0, 9)), IovaRange.EVERYTHING));
        assertEquals(
                List.of(new IovaRange(0, MAX - 1)),
                RangeUnion.holes(List.of(new IovaRange(MAX, MAX)), IovaRange.EVERYTHING));
        assertEquals(List.of(), RangeUnion.holes(List.of(IovaRange.EVERYTHING), IovaRange.EVERYTHING));
    }

    @Test
    void intersectKeepsOnlyCommonParts() {
        assertEquals(
                List.of(new IovaRange(5, 9), new IovaRange(20, 25)),
                RangeUnion.intersect(
                        List.of(new IovaRange(0, 9), new IovaRange(20, 30)), List.of(new IovaRange(5, 25))));
    }

    @Test
    void iovaRangeIsUnsignedAndInclusive() {
        IovaRange high = new IovaRange(0x8000_0000_0000_0000L, MAX);
        assertTrue(high.contains(MAX));
        assertFalse(high.contains(0));
        assertEquals(0, IovaRange.EVERYTHING.length());
        assertThrows(IllegalArgumentException.class, () -> new IovaRange(MAX, 0));
        assertThrows(IllegalArgumentException.class, () -> IovaRange.ofLength(MAX, 2));
    }

    @Test
    void addressHelpersAreUnsigned() {
        assertEquals(OptionalLong.empty(), Addresses.lastOf(MAX, 2));
        assertEquals(OptionalLong.of(MAX), Addresses.lastOf(MAX, 1));
        assertEquals(OptionalLong.empty(), Addresses.alignUp(MAX - 5, 0x1000));
        assertEquals(0x4000_0000_0000_0000L, Addresses.roundUpPowerOfTwo(0x3000_0000_0000_0001L));
        assertEquals("0xffffffffffffffff", Addresses.hex(MAX));
    }
}
