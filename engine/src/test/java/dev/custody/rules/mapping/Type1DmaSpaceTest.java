package dev.custody.rules.mapping;

import static dev.custody.rules.mapping.StepAssertions.assertFails;
import static dev.custody.rules.mapping.StepAssertions.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Errno;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Prot;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.mapping.Type1Version;
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
        assertFails(Errno.EINVAL, v2, Type1DmaRules.map(v2, 0, 0, PG, false, false));
        assertOk(PG, Type1DmaRules.map(v2, 0, 0, PG, false, true));
        assertOk(PG, Type1DmaRules.map(v2, 0, 0, PG, true, false));
    }

    @Test
    void mapRefusesSizeZeroAndMisalignment() {
        assertFails(Errno.EINVAL, v2, Type1DmaRules.map(v2, 0, 0, 0, true, true));
        assertFails(Errno.EINVAL, v2, Type1DmaRules.map(v2, 0x800, 0, PG, true, true));
        assertFails(Errno.EINVAL, v2, Type1DmaRules.map(v2, 0, 0x800, PG, true, true));
        assertFails(Errno.EINVAL, v2, Type1DmaRules.map(v2, 0, 0, 0x1800, true, true));
    }

    @Test
    void mapUsesTheContainersPageSize() {
        Type1DmaSpace large = v2.withPageSize(0x1_0000);
        assertFails(Errno.EINVAL, large, Type1DmaRules.map(large, PG, 0, 0x1_0000, true, true));
        assertOk(0x1_0000L, Type1DmaRules.map(large, 0x1_0000, 0, 0x1_0000, true, true));
        assertThrows(IllegalArgumentException.class, () -> v2.withPageSize(0x3000));
    }

    @Test
    void mapRefusesWrapOfIovaOrVaddr() {
        Type1DmaSpace open = v2.withValidRanges(List.of());
        assertFails(Errno.EINVAL, open, Type1DmaRules.map(open, TOP, 0, 2 * PG, true, true));
        assertFails(Errno.EINVAL, open, Type1DmaRules.map(open, 0, TOP, 2 * PG, true, true));
        Type1DmaSpace top = assertOk(PG, Type1DmaRules.map(open, TOP, TOP, PG, true, true));
        assertEquals(OptionalLong.of(0xffff_ffff_ffff_ffffL), top.translate(0xffff_ffff_ffff_ffffL));
    }

    @Test
    void mapRefusesAnyOverlap() {
        Type1DmaSpace mapped = assertOk(2 * PG, Type1DmaRules.map(v2, 4 * PG, 0, 2 * PG, true, true));
        assertFails(Errno.EEXIST, mapped, Type1DmaRules.map(mapped, 5 * PG, 0, PG, true, true));
        assertFails(Errno.EEXIST, mapped, Type1DmaRules.map(mapped, 3 * PG, 0, 2 * PG, true, true));
        assertFails(Errno.EEXIST, mapped, Type1DmaRules.map(mapped, 0, 0, 16 * PG, true, true));
        assertOk(PG, Type1DmaRules.map(mapped, 6 * PG, 0, PG, true, true));
    }

    @Test
    void mapRefusesBeyondTheEntryLimitAfterTheOverlapCheck() {
        Type1DmaSpace one = assertOk(PG, Type1DmaRules.map(v2.withEntryLimit(1), 0, 0, PG, true, true));
        assertFails(Errno.ENOSPC, one, Type1DmaRules.map(one, PG, 0, PG, true, true));
        assertFails(Errno.EEXIST, one, Type1DmaRules.map(one, 0, 0, PG, true, true));
    }

    @Test
    void mapMustFitInsideOneValidRange() {
        Type1DmaSpace holes = v2.withValidRanges(
                List.of(new IovaRange(0, 0xfedf_ffffL), new IovaRange(0xfef0_0000L, (1L << 48) - 1)));
        assertFails(Errno.EINVAL, holes, Type1DmaRules.map(holes, 0xfee0_0000L, 0, PG, true, true));
        assertFails(Errno.EINVAL, holes, Type1DmaRules.map(holes, 0xfedf_f000L, 0, 2 * PG, true, true));
        assertFails(Errno.EINVAL, v2, Type1DmaRules.map(v2, 1L << 48, 0, PG, true, true));
        assertOk(PG, Type1DmaRules.map(holes, 0xfef0_0000L, 0, PG, true, true));
    }

    @Test
    void unmapRefusesMisalignedIova() {
        assertFails(Errno.EINVAL, v2, Type1DmaRules.unmap(v2, 0x800, PG, false));
    }

    @Test
    void unmapAllTakesZeroIovaAndSize() {
        assertFails(Errno.EINVAL, v2, Type1DmaRules.unmap(v2, PG, 0, true));
        assertFails(Errno.EINVAL, v2, Type1DmaRules.unmap(v2, 0, PG, true));
        Type1DmaSpace two = assertOk(
                PG,
                Type1DmaRules.map(
                        assertOk(2 * PG, Type1DmaRules.map(v2, 0, 0, 2 * PG, true, true)), 8 * PG, 0, PG, true, true));
        assertTrue(
                assertOk(3 * PG, Type1DmaRules.unmap(two, 0, 0, true)).entries().isEmpty());
        assertOk(0L, Type1DmaRules.unmap(v2, 0, 0, true));
    }

    @Test
    void unmapRefusesSizeZeroMisalignedSizeAndWrap() {
        assertFails(Errno.EINVAL, v2, Type1DmaRules.unmap(v2, 0, 0, false));
        assertFails(Errno.EINVAL, v2, Type1DmaRules.unmap(v2, 0, 0x800, false));
        assertFails(Errno.EINVAL, v2, Type1DmaRules.unmap(v2, TOP, 2 * PG, false));
        assertOk(0L, Type1DmaRules.unmap(v2, TOP, PG, false));
    }

    @Test
    void v2RefusesABisectingUnmapAtEitherEnd() {
        Type1DmaSpace mapped = assertOk(4 * PG, Type1DmaRules.map(v2, 4 * PG, 0, 4 * PG, true, true));
        assertFails(Errno.EINVAL, mapped, Type1DmaRules.unmap(mapped, 5 * PG, 4 * PG, false));
        assertFails(Errno.EINVAL, mapped, Type1DmaRules.unmap(mapped, 0, 5 * PG, false));
        assertFails(Errno.EINVAL, mapped, Type1DmaRules.unmap(mapped, 5 * PG, PG, false));
    }

    @Test
    void v2RemovesEveryMappingFullyInsideAndReportsTheirBytes() {
        Type1DmaSpace mapped = assertOk(PG, Type1DmaRules.map(v2, PG, 0, PG, true, true));
        mapped = assertOk(2 * PG, Type1DmaRules.map(mapped, 4 * PG, 0, 2 * PG, true, true));
        mapped = assertOk(PG, Type1DmaRules.map(mapped, 16 * PG, 0, PG, true, true));
        Type1DmaSpace after = assertOk(3 * PG, Type1DmaRules.unmap(mapped, 0, 8 * PG, false));
        assertEquals(List.of(new DmaMapping(16 * PG, 0, PG, Prot.READ_WRITE)), after.entries());
    }

    @Test
    void v2UnmapOfAnEmptyRangeSucceedsWithZero() {
        Type1DmaSpace mapped = assertOk(PG, Type1DmaRules.map(v2, PG, 0, PG, true, true));
        assertEquals(mapped, assertOk(0L, Type1DmaRules.unmap(mapped, 8 * PG, PG, false)));
    }

    @Test
    void v1StartingInsideAMappingSucceedsWithZeroAndRemovesNothing() {
        Type1DmaSpace mapped = assertOk(4 * PG, Type1DmaRules.map(v1, 4 * PG, 0, 4 * PG, true, true));
        mapped = assertOk(PG, Type1DmaRules.map(mapped, 8 * PG, 0, PG, true, true));
        assertEquals(mapped, assertOk(0L, Type1DmaRules.unmap(mapped, 5 * PG, 8 * PG, false)));
    }

    @Test
    void v1CoveringTheFirstByteRemovesTheWholeMapping() {
        Type1DmaSpace mapped = assertOk(4 * PG, Type1DmaRules.map(v1, 4 * PG, 0, 4 * PG, true, true));
        mapped = assertOk(PG, Type1DmaRules.map(mapped, 16 * PG, 0, PG, true, true));
        Type1DmaSpace after = assertOk(4 * PG, Type1DmaRules.unmap(mapped, 0, 5 * PG, false));
        assertEquals(List.of(new DmaMapping(16 * PG, 0, PG, Prot.READ_WRITE)), after.entries());
    }

    @Test
    void translateAddsTheOffsetToTheUserAddress() {
        Type1DmaSpace mapped = assertOk(2 * PG, Type1DmaRules.map(v2, 4 * PG, 0x7000_0000L, 2 * PG, true, false));
        assertEquals(OptionalLong.of(0x7000_1234L), mapped.translate(5 * PG + 0x234));
        assertEquals(OptionalLong.empty(), mapped.translate(6 * PG));
        assertEquals(OptionalLong.empty(), mapped.translate(0xffff_ffff_ffff_ffffL));
    }
}
