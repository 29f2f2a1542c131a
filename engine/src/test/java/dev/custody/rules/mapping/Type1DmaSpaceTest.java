package dev.custody.rules.mapping;

import static dev.custody.rules.mapping.StepAssertions.assertFails;
import static dev.custody.rules.mapping.StepAssertions.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Errno;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class Type1DmaSpaceTest {

    static final long PG = 0x1000;
    static final long TOP = 0xffff_ffff_ffff_f000L;

    final Type1DmaSpace v2 = Type1DmaSpace.empty(Type1Version.V2);
    final Type1DmaSpace v1 = Type1DmaSpace.empty(Type1Version.V1);

    @Test
    void mapNeedsReadOrWrite() {
        assertFails(Errno.EINVAL, v2, v2.map(0, 0, PG, false, false));
        assertOk(PG, v2.map(0, 0, PG, false, true));
        assertOk(PG, v2.map(0, 0, PG, true, false));
    }

    @Test
    void mapRefusesSizeZeroAndMisalignment() {
        assertFails(Errno.EINVAL, v2, v2.map(0, 0, 0, true, true));
        assertFails(Errno.EINVAL, v2, v2.map(0x800, 0, PG, true, true));
        assertFails(Errno.EINVAL, v2, v2.map(0, 0x800, PG, true, true));
        assertFails(Errno.EINVAL, v2, v2.map(0, 0, 0x1800, true, true));
    }

    @Test
    void mapUsesTheContainersPageSize() {
        Type1DmaSpace large = v2.withPageSize(0x1_0000);
        assertFails(Errno.EINVAL, large, large.map(PG, 0, 0x1_0000, true, true));
        assertOk(0x1_0000L, large.map(0x1_0000, 0, 0x1_0000, true, true));
        assertThrows(IllegalArgumentException.class, () -> v2.withPageSize(0x3000));
    }

    @Test
    void mapRefusesWrapOfIovaOrVaddr() {
        Type1DmaSpace open = v2.withValidRanges(List.of());
        assertFails(Errno.EINVAL, open, open.map(TOP, 0, 2 * PG, true, true));
        assertFails(Errno.EINVAL, open, open.map(0, TOP, 2 * PG, true, true));
        Type1DmaSpace top = assertOk(PG, open.map(TOP, TOP, PG, true, true));
        assertEquals(OptionalLong.of(0xffff_ffff_ffff_ffffL), top.translate(0xffff_ffff_ffff_ffffL));
    }

    @Test
    void mapRefusesAnyOverlap() {
        Type1DmaSpace mapped = assertOk(2 * PG, v2.map(4 * PG, 0, 2 * PG, true, true));
        assertFails(Errno.EEXIST, mapped, mapped.map(5 * PG, 0, PG, true, true));
        assertFails(Errno.EEXIST, mapped, mapped.map(3 * PG, 0, 2 * PG, true, true));
        assertFails(Errno.EEXIST, mapped, mapped.map(0, 0, 16 * PG, true, true));
        assertOk(PG, mapped.map(6 * PG, 0, PG, true, true));
    }

    @Test
    void mapRefusesBeyondTheEntryLimitAfterTheOverlapCheck() {
        Type1DmaSpace one = assertOk(PG, v2.withEntryLimit(1).map(0, 0, PG, true, true));
        assertFails(Errno.ENOSPC, one, one.map(PG, 0, PG, true, true));
        assertFails(Errno.EEXIST, one, one.map(0, 0, PG, true, true));
    }

    @Test
    void mapMustFitInsideOneValidRange() {
        Type1DmaSpace holes = v2.withValidRanges(List.of(new IovaRange(0, 0xfedf_ffffL), new IovaRange(0xfef0_0000L, (1L << 48) - 1)));
        assertFails(Errno.EINVAL, holes, holes.map(0xfee0_0000L, 0, PG, true, true));
        assertFails(Errno.EINVAL, holes, holes.map(0xfedf_f000L, 0, 2 * PG, true, true));
        assertFails(Errno.EINVAL, v2, v2.map(1L << 48, 0, PG, true, true));
        assertOk(PG, holes.map(0xfef0_0000L, 0, PG, true, true));
    }

    @Test
    void unmapRefusesMisalignedIova() {
        assertFails(Errno.EINVAL, v2, v2.unmap(0x800, PG, false));
    }

    @Test
    void unmapAllTakesZeroIovaAndSize() {
        assertFails(Errno.EINVAL, v2, v2.unmap(PG, 0, true));
        assertFails(Errno.EINVAL, v2, v2.unmap(0, PG, true));
        Type1DmaSpace two = assertOk(PG, assertOk(2 * PG, v2.map(0, 0, 2 * PG, true, true)).map(8 * PG, 0, PG, true, true));
        assertTrue(assertOk(3 * PG, two.unmap(0, 0, true)).entries().isEmpty());
        assertOk(0L, v2.unmap(0, 0, true));
    }

    @Test
    void unmapRefusesSizeZeroMisalignedSizeAndWrap() {
        assertFails(Errno.EINVAL, v2, v2.unmap(0, 0, false));
        assertFails(Errno.EINVAL, v2, v2.unmap(0, 0x800, false));
        assertFails(Errno.EINVAL, v2, v2.unmap(TOP, 2 * PG, false));
        assertOk(0L, v2.unmap(TOP, PG, false));
    }

    @Test
    void v2RefusesABisectingUnmapAtEitherEnd() {
        Type1DmaSpace mapped = assertOk(4 * PG, v2.map(4 * PG, 0, 4 * PG, true, true));
        assertFails(Errno.EINVAL, mapped, mapped.unmap(5 * PG, 4 * PG, false));
        assertFails(Errno.EINVAL, mapped, mapped.unmap(0, 5 * PG, false));
        assertFails(Errno.EINVAL, mapped, mapped.unmap(5 * PG, PG, false));
    }

    @Test
    void v2RemovesEveryMappingFullyInsideAndReportsTheirBytes() {
        Type1DmaSpace mapped = assertOk(PG, v2.map(PG, 0, PG, true, true));
        mapped = assertOk(2 * PG, mapped.map(4 * PG, 0, 2 * PG, true, true));
        mapped = assertOk(PG, mapped.map(16 * PG, 0, PG, true, true));
        Type1DmaSpace after = assertOk(3 * PG, mapped.unmap(0, 8 * PG, false));
        assertEquals(List.of(new DmaMapping(16 * PG, 0, PG, Prot.READ_WRITE)), after.entries());
    }

    @Test
    void v2UnmapOfAnEmptyRangeSucceedsWithZero() {
        Type1DmaSpace mapped = assertOk(PG, v2.map(PG, 0, PG, true, true));
        assertEquals(mapped, assertOk(0L, mapped.unmap(8 * PG, PG, false)));
    }

    @Test
    void v1StartingInsideAMappingSucceedsWithZeroAndRemovesNothing() {
        Type1DmaSpace mapped = assertOk(4 * PG, v1.map(4 * PG, 0, 4 * PG, true, true));
        mapped = assertOk(PG, mapped.map(8 * PG, 0, PG, true, true));
        assertEquals(mapped, assertOk(0L, mapped.unmap(5 * PG, 8 * PG, false)));
    }

    @Test
    void v1CoveringTheFirstByteRemovesTheWholeMapping() {
        Type1DmaSpace mapped = assertOk(4 * PG, v1.map(4 * PG, 0, 4 * PG, true, true));
        mapped = assertOk(PG, mapped.map(16 * PG, 0, PG, true, true));
        Type1DmaSpace after = assertOk(4 * PG, mapped.unmap(0, 5 * PG, false));
        assertEquals(List.of(new DmaMapping(16 * PG, 0, PG, Prot.READ_WRITE)), after.entries());
    }

    @Test
    void translateAddsTheOffsetToTheUserAddress() {
        Type1DmaSpace mapped = assertOk(2 * PG, v2.map(4 * PG, 0x7000_0000L, 2 * PG, true, false));
        assertEquals(OptionalLong.of(0x7000_1234L), mapped.translate(5 * PG + 0x234));
        assertEquals(OptionalLong.empty(), mapped.translate(6 * PG));
        assertEquals(OptionalLong.empty(), mapped.translate(0xffff_ffff_ffff_ffffL));
    }
}
