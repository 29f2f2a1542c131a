package dev.custody.rules.mapping;

import static dev.custody.rules.mapping.StepAssertions.assertFails;
import static dev.custody.rules.mapping.StepAssertions.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class IoasSpaceTest {

    static final long P = 0x1000;
    static final long MAX = 0xffff_ffff_ffff_ffffL;

    final IoasSpace empty = IoasSpace.empty();

    static OptionalLong at(long iova) {
        return OptionalLong.of(iova);
    }

    static IoasSpace mapped(IoasSpace space, long iova, long length) {
        return assertOk(iova, space.map(at(iova), length, true, true));
    }

    @Test
    void mapRefusesUlongMaxIovaOrLength() {
        assertFails(Errno.EOVERFLOW, empty, empty.map(at(MAX), P, true, true));
        assertFails(Errno.EOVERFLOW, empty, empty.map(at(0), MAX, true, true));
        assertFails(Errno.EOVERFLOW, empty, empty.map(OptionalLong.empty(), MAX, true, true));
    }

    @Test
    void mapNeedsReadableOrWriteable() {
        assertFails(Errno.EINVAL, empty, empty.map(at(P), P, false, false));
    }

    @Test
    void mapRefusesLengthZeroOrMisalignedToTheIovaAlignment() {
        assertFails(Errno.EINVAL, empty, empty.map(at(P), 0, true, true));
        IoasSpace aligned = assertOk(P, empty.setIovaAlignment(P));
        assertFails(Errno.EINVAL, aligned, aligned.map(at(P), 0x800, true, true));
        assertOk(0x3L, empty.map(at(0x3), 0x5, true, false));
    }

    @Test
    void fixedMapRefusesMisalignedIova() {
        IoasSpace aligned = assertOk(P, empty.setIovaAlignment(P));
        assertFails(Errno.EINVAL, aligned, aligned.map(at(0x800), P, true, true));
    }

    @Test
    void fixedMapRefusesWrap() {
        assertFails(Errno.EOVERFLOW, empty, empty.map(at(MAX - P + 1), 2 * P, true, true));
        IoasSpace top = assertOk(MAX - P + 1, empty.map(at(MAX - P + 1), P, true, true));
        assertEquals(OptionalLong.of(IoasSpace.USER_ADDRESS_BASE + MAX), top.translate(MAX));
    }

    @Test
    void fixedMapRefusesReservedRanges() {
        IoasSpace reserved = assertOk(1, empty.addReserved("msi", List.of(new IovaRange(0xfee0_0000L, 0xfeef_ffffL))));
        assertFails(Errno.EINVAL, reserved, reserved.map(at(0xfedf_f000L), 2 * P, true, true));
        assertFails(Errno.EINVAL, reserved, reserved.map(at(0xfeef_f000L), P, true, true));
        mapped(reserved, 0xfef0_0000L, P);
    }

    @Test
    void fixedMapRefusesOverlap() {
        IoasSpace one = mapped(empty, 16 * P, 2 * P);
        assertFails(Errno.EEXIST, one, one.map(at(15 * P), 2 * P, true, true));
        assertFails(Errno.EEXIST, one, one.map(at(17 * P), 4 * P, true, true));
        mapped(one, 18 * P, P);
    }

    @Test
    void fixedMapIgnoresTheAllowedList() {
        IoasSpace allowed = assertOk(1, empty.allowIovas(List.of(new RequestedRange(0x10_0000, 0x1f_ffff))));
        mapped(allowed, 0x20_0000, P);
        mapped(allowed, 0x1f_f000, 2 * P);
        mapped(allowed, 0, P);
        // the automatic placement still keeps inside the allowed list
        assertOk(0x10_0000L, mapped(allowed, 0x20_0000, P).map(OptionalLong.empty(), P, true, true));
    }

    @Test
    void automaticMapRefusesHugeLengths() {
        assertFails(Errno.EOVERFLOW, empty, empty.map(OptionalLong.empty(), 0x7fff_ffff_ffff_ffffL, true, true));
        assertFails(Errno.EOVERFLOW, empty, empty.map(OptionalLong.empty(), 0x8000_0000_0000_0000L, true, true));
    }

    @Test
    void automaticMapNeverChoosesZeroAndAlignsToTheLengthsPowerOfTwo() {
        IoasSpace first = assertOk(P, empty.map(OptionalLong.empty(), P, true, true));
        IoasSpace second = assertOk(4 * P, first.map(OptionalLong.empty(), 3 * P, true, true));
        assertOk(2 * P, second.map(OptionalLong.empty(), 2 * P, true, true));
        // with no domain the alignment is 1, so a 5-byte area is aligned to 8 and the search starts at 4K
        IoasSpace tiny = assertOk(P, empty.map(OptionalLong.empty(), 5, true, true));
        assertOk(P + 8, tiny.map(OptionalLong.empty(), 5, true, true));
    }

    @Test
    void automaticMapTakesTheLowestFittingHoleInsideTheAllowedList() {
        IoasSpace allowed = assertOk(2, empty.allowIovas(List.of(
                new RequestedRange(0x10_0000, 0x10_1fff), new RequestedRange(0x40_0000, 0x4f_ffff))));
        IoasSpace one = assertOk(0x10_0000L, allowed.map(OptionalLong.empty(), 2 * P, true, true));
        assertOk(0x40_0000L, one.map(OptionalLong.empty(), P, true, true));
    }

    @Test
    void automaticMapSkipsReservedRangesAndAreas() {
        IoasSpace reserved = assertOk(1, empty.addReserved("dev", List.of(new IovaRange(P, 4 * P - 1))));
        IoasSpace one = assertOk(4 * P, reserved.map(OptionalLong.empty(), P, true, true));
        assertOk(8 * P, one.map(OptionalLong.empty(), 4 * P, true, true));
    }

    @Test
    void automaticMapWithoutAHoleIsRefused() {
        IoasSpace full = assertOk(1, empty.addReserved("aperture", List.of(new IovaRange(0x10_0000, MAX))));
        assertFails(Errno.ENOSPC, full, full.map(OptionalLong.empty(), 0x10_0000, true, true));
        IoasSpace nearlyFull = assertOk(1, empty.addReserved("aperture", List.of(new IovaRange(2 * P, MAX))));
        assertOk(P, nearlyFull.map(OptionalLong.empty(), P, true, true));
    }

    @Test
    void automaticMapAvoidsTheLastPage() {
        IoasSpace low = assertOk(1, empty.addReserved("low", List.of(new IovaRange(0, MAX - 2 * P))));
        // free: [MAX - 2P + 1, MAX]; the last page is outside the search window, so one page fits
        assertOk(MAX - 2 * P + 1, low.map(OptionalLong.empty(), P, true, true));
        IoasSpace lower = assertOk(1, empty.addReserved("low", List.of(new IovaRange(0, MAX - P))));
        assertFails(Errno.ENOSPC, lower, lower.map(OptionalLong.empty(), 1, true, true));
    }

    @Test
    void mapRawChecksUnknownFlagsFirstAndTheIovaFieldAlways() {
        assertFails(Errno.EOPNOTSUPP, empty, empty.mapRaw(1 << 31, MAX, 0));
        assertFails(Errno.EOVERFLOW, empty, empty.mapRaw(IoasSpace.FLAG_READABLE, MAX, P));
        assertFails(Errno.EINVAL, empty, empty.mapRaw(IoasSpace.FLAG_FIXED_IOVA, P, P));
        assertOk(5 * P, empty.mapRaw(IoasSpace.FLAG_FIXED_IOVA | IoasSpace.FLAG_WRITEABLE, 5 * P, P));
        assertOk(P, empty.mapRaw(IoasSpace.FLAG_READABLE, 5 * P, P));
    }

    @Test
    void unmapAllSucceedsEvenWhenEmpty() {
        assertOk(0L, empty.unmap(0, MAX));
        IoasSpace two = mapped(mapped(empty, P, P), 8 * P, 2 * P);
        assertTrue(assertOk(3 * P, two.unmap(0, MAX)).areas().isEmpty());
    }

    @Test
    void unmapRefusesUlongMaxAndWrap() {
        assertFails(Errno.EOVERFLOW, empty, empty.unmap(MAX, P));
        assertFails(Errno.EOVERFLOW, empty, empty.unmap(P, MAX));
        assertFails(Errno.EOVERFLOW, empty, empty.unmap(MAX - P + 1, 2 * P));
    }

    @Test
    void unmapRefusesLengthZero() {
        assertFails(Errno.EINVAL, empty, empty.unmap(P, 0));
    }

    @Test
    void unmapThatCutsTheFirstAreaItMeetsChangesNothing() {
        IoasSpace two = mapped(mapped(empty, P, P), 4 * P, 4 * P);
        assertFails(Errno.ENOENT, two, two.unmap(5 * P, P));
        assertFails(Errno.ENOENT, two, two.unmapCompat(5 * P, 4 * P));
        assertFails(Errno.ENOENT, two, two.unmap(5 * P, 16 * P));
    }

    @Test
    void unmapThatCutsALaterAreaKeepsTheRemovalsBelowIt() {
        IoasSpace three = mapped(mapped(mapped(empty, P, P), 2 * P, P), 4 * P, 4 * P);
        IoasSpace onlyTheCutArea = mapped(empty, 4 * P, 4 * P);
        StepAssertions.assertFailsLeaving(Errno.ENOENT, onlyTheCutArea, three.unmap(0, 5 * P));
        StepAssertions.assertFailsLeaving(Errno.ENOENT, onlyTheCutArea, three.unmapCompat(P, 6 * P));
        // the area above the cut one is not reached
        IoasSpace withHigher = mapped(three, 16 * P, P);
        StepAssertions.assertFailsLeaving(Errno.ENOENT, mapped(onlyTheCutArea, 16 * P, P), withHigher.unmap(0, 5 * P));
    }

    @Test
    void unmapOfNothingIsEnoentNativelyAndZeroThroughCompat() {
        assertFails(Errno.ENOENT, empty, empty.unmap(5 * P, P));
        assertEquals(empty, assertOk(0L, empty.unmapCompat(5 * P, P)));
    }

    @Test
    void compatUnmapAcceptsOnlyTheUnmapAllFlag() {
        IoasSpace one = mapped(empty, P, P);
        assertFails(Errno.EINVAL, one, one.unmapCompat(1, P, P)); // GET_DIRTY_BITMAP
        assertFails(Errno.EINVAL, one, one.unmapCompat(1 << 2, P, P)); // VADDR
        assertFails(Errno.EINVAL, one, one.unmapCompat(IoasSpace.COMPAT_UNMAP_FLAG_ALL | 1, 0, 0));
    }

    @Test
    void compatUnmapAllNeedsIovaAndSizeZero() {
        IoasSpace two = mapped(mapped(empty, P, P), 8 * P, 2 * P);
        assertFails(Errno.EINVAL, two, two.unmapCompat(IoasSpace.COMPAT_UNMAP_FLAG_ALL, P, 0));
        assertFails(Errno.EINVAL, two, two.unmapCompat(IoasSpace.COMPAT_UNMAP_FLAG_ALL, 0, P));
        assertFails(Errno.EINVAL, two, two.unmapCompat(IoasSpace.COMPAT_UNMAP_FLAG_ALL, 0, MAX));
        assertTrue(assertOk(3 * P, two.unmapCompat(IoasSpace.COMPAT_UNMAP_FLAG_ALL, 0, 0)).areas().isEmpty());
        assertEquals(empty, assertOk(0L, empty.unmapCompat(IoasSpace.COMPAT_UNMAP_FLAG_ALL, 0, 0)));
    }

    @Test
    void compatUnmapRefusesSizeZeroAndWrapButNotUlongMax() {
        assertFails(Errno.EINVAL, empty, empty.unmapCompat(P, 0));
        assertFails(Errno.EINVAL, empty, empty.unmapCompat(0, 0));
        assertFails(Errno.EOVERFLOW, empty, empty.unmapCompat(MAX - P + 1, 2 * P));
        assertFails(Errno.EOVERFLOW, empty, empty.unmapCompat(P, MAX));
        // no ULONG_MAX check on this path: the last byte alone is a valid (empty) range
        assertEquals(empty, assertOk(0L, empty.unmapCompat(MAX, 1)));
    }

    @Test
    void compatUnmapOfZeroToU64MaxIsAnOrdinaryRangeNotUnmapAll() {
        IoasSpace two = mapped(mapped(empty, P, P), 8 * P, 2 * P);
        assertTrue(assertOk(3 * P, two.unmapCompat(0, MAX)).areas().isEmpty());
        // the range ends at 2^64 - 2, so an area holding the last byte is cut, after the lower ones are gone
        IoasSpace top = mapped(empty, MAX - P + 1, P);
        StepAssertions.assertFailsLeaving(Errno.ENOENT, top, mapped(two, MAX - P + 1, P).unmapCompat(0, MAX));
        assertTrue(assertOk(4 * P, mapped(two, MAX - P + 1, P).unmap(0, MAX)).areas().isEmpty());
    }

    @Test
    void unmapRemovesEveryFullyContainedArea() {
        IoasSpace three = mapped(mapped(mapped(empty, P, P), 4 * P, 4 * P), 16 * P, P);
        IoasSpace after = assertOk(5 * P, three.unmap(0, 8 * P));
        assertEquals(List.of(new IoasArea(16 * P, P, Prot.READ_WRITE)), after.areas());
        assertOk(P, after.unmapCompat(16 * P, P));
    }

    @Test
    void allowIovasRefusesStartNotBelowLastAndOverlaps() {
        assertFails(Errno.EINVAL, empty, empty.allowIovas(List.of(new RequestedRange(P, P))));
        assertFails(Errno.EINVAL, empty, empty.allowIovas(List.of(new RequestedRange(2 * P, P))));
        assertFails(Errno.EINVAL, empty, empty.allowIovas(List.of(
                new RequestedRange(0, 2 * P), new RequestedRange(2 * P, 4 * P))));
    }

    @Test
    void allowIovasRefusesReservedAndKeepsTheOldList() {
        IoasSpace allowed = assertOk(1, empty.allowIovas(List.of(new RequestedRange(0, 0xffff))));
        IoasSpace reserved = assertOk(1, allowed.addReserved("msi", List.of(new IovaRange(0x10_0000, 0x10_ffff))));
        IoasSpace refused = assertOk(1, reserved.allowIovas(List.of(new RequestedRange(0x10_f000, 0x11_ffff)))
                .state().allowIovas(List.of()).state().allowIovas(List.of(new RequestedRange(0, 0xffff))));
        assertFails(Errno.EADDRINUSE, refused, refused.allowIovas(List.of(new RequestedRange(0x10_f000, 0x11_ffff))));
        assertEquals(List.of(new IovaRange(0, 0xffff)), refused.allowed());
    }

    @Test
    void allowIovasWithAnEmptyListClearsIt() {
        IoasSpace allowed = assertOk(1, empty.allowIovas(List.of(new RequestedRange(0, 0xffff))));
        assertEquals(List.of(), assertOk(0, allowed.allowIovas(List.of())).allowed());
    }

    @Test
    void addReservedRefusesAllowedRangesAndAreas() {
        IoasSpace allowed = assertOk(1, empty.allowIovas(List.of(new RequestedRange(0, 0xffff))));
        assertFails(Errno.EADDRINUSE, allowed, allowed.addReserved("dev", List.of(new IovaRange(0xf000, 0x1_ffff))));
        IoasSpace area = mapped(empty, 0x20_0000, P);
        assertFails(Errno.EADDRINUSE, area, area.addReserved("dev", List.of(new IovaRange(0, 0x20_0000))));
        assertOk(1, area.addReserved("dev", List.of(new IovaRange(0, 0x1f_ffff))));
    }

    @Test
    void removeReservedDropsOnlyThatOwnersRanges() {
        IoasSpace both = assertOk(1, assertOk(2, empty.addReserved("a", List.of(new IovaRange(0, P - 1), new IovaRange(8 * P, 9 * P - 1))))
                .addReserved("b", List.of(new IovaRange(4 * P, 5 * P - 1))));
        IoasSpace onlyB = assertOk(2, both.removeReserved("a"));
        assertEquals(List.of(new IovaRange(4 * P, 5 * P - 1)), onlyB.reserved());
        assertEquals(onlyB, assertOk(0, onlyB.removeReserved("a")));
    }

    @Test
    void iovaRangesAreTheHolesOfTheReservedRanges() {
        assertEquals(List.of(IovaRange.EVERYTHING), empty.iovaRanges());
        IoasSpace reserved = assertOk(2, empty.addReserved("dom", List.of(new IovaRange(0, P - 1), new IovaRange(1L << 48, MAX))));
        reserved = assertOk(1, reserved.addReserved("msi", List.of(new IovaRange(0xfee0_0000L, 0xfeef_ffffL))));
        assertEquals(List.of(new IovaRange(P, 0xfedf_ffffL), new IovaRange(0xfef0_0000L, (1L << 48) - 1)), reserved.iovaRanges());
    }

    @Test
    void iovaRangesIgnoreTheAllowedList() {
        IoasSpace reserved = assertOk(1, empty.addReserved("dom", List.of(new IovaRange(0x10_0000, MAX))));
        IoasSpace allowed = assertOk(1, reserved.allowIovas(List.of(new RequestedRange(P, 0xf_ffff))));
        assertEquals(List.of(new IovaRange(0, 0xf_ffff)), allowed.iovaRanges());
        assertEquals(Outcome.ok(new IovaRangesAnswer(List.of(new IovaRange(0, 0xf_ffff)), 1)), allowed.queryIovaRanges(1));
    }

    @Test
    void queryIovaRangesNeedsRoomForEveryRange() {
        StepAssertions.assertFails(Errno.EMSGSIZE, empty.queryIovaRanges(0));
        Outcome<IovaRangesAnswer> answer = empty.queryIovaRanges(1);
        assertEquals(Outcome.ok(new IovaRangesAnswer(List.of(IovaRange.EVERYTHING), 1)), answer);
    }

    @Test
    void setIovaAlignmentRefusesMisalignedAreas() {
        IoasSpace odd = mapped(empty, 0x800, 0x800);
        assertFails(Errno.EADDRINUSE, odd, odd.setIovaAlignment(P));
        assertOk(0x800L, odd.setIovaAlignment(0x800));
        assertThrows(IllegalArgumentException.class, () -> empty.setIovaAlignment(3));
    }

    @Test
    void translateIsEmptyOutsideAreas() {
        IoasSpace one = mapped(empty, 4 * P, P);
        assertEquals(OptionalLong.of(IoasSpace.USER_ADDRESS_BASE + 4 * P + 7), one.translate(4 * P + 7));
        assertEquals(OptionalLong.empty(), one.translate(5 * P));
    }
}
