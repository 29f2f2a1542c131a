package dev.custody.rules.mapping;

import static dev.custody.rules.mapping.StepAssertions.assertFails;
import static dev.custody.rules.mapping.StepAssertions.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Prot;
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
        return assertOk(iova, IoasSpaceRules.map(space, at(iova), length, true, true));
    }

    @Test
    void mapRefusesUlongMaxIovaOrLength() {
        assertFails(Errno.EOVERFLOW, empty, IoasSpaceRules.map(empty, at(MAX), P, true, true));
        assertFails(Errno.EOVERFLOW, empty, IoasSpaceRules.map(empty, at(0), MAX, true, true));
        assertFails(Errno.EOVERFLOW, empty, IoasSpaceRules.map(empty, OptionalLong.empty(), MAX, true, true));
    }

    @Test
    void mapNeedsReadableOrWriteable() {
        assertFails(Errno.EINVAL, empty, IoasSpaceRules.map(empty, at(P), P, false, false));
    }

    @Test
    void mapRefusesLengthZeroOrMisalignedToTheIovaAlignment() {
        assertFails(Errno.EINVAL, empty, IoasSpaceRules.map(empty, at(P), 0, true, true));
        IoasSpace aligned = assertOk(P, IoasSpaceRules.setIovaAlignment(empty, P));
        assertFails(Errno.EINVAL, aligned, IoasSpaceRules.map(aligned, at(P), 0x800, true, true));
        assertOk(0x3L, IoasSpaceRules.map(empty, at(0x3), 0x5, true, false));
    }

    @Test
    void fixedMapRefusesMisalignedIova() {
        IoasSpace aligned = assertOk(P, IoasSpaceRules.setIovaAlignment(empty, P));
        assertFails(Errno.EINVAL, aligned, IoasSpaceRules.map(aligned, at(0x800), P, true, true));
    }

    @Test
    void fixedMapRefusesWrap() {
        assertFails(Errno.EOVERFLOW, empty, IoasSpaceRules.map(empty, at(MAX - P + 1), 2 * P, true, true));
        IoasSpace top = assertOk(MAX - P + 1, IoasSpaceRules.map(empty, at(MAX - P + 1), P, true, true));
        assertEquals(OptionalLong.of(IoasSpace.USER_ADDRESS_BASE + MAX), top.translate(MAX));
    }

    @Test
    void fixedMapRefusesReservedRanges() {
        IoasSpace reserved = assertOk(
                1, IoasSpaceRules.addReserved(empty, "msi", List.of(new IovaRange(0xfee0_0000L, 0xfeef_ffffL))));
        assertFails(Errno.EINVAL, reserved, IoasSpaceRules.map(reserved, at(0xfedf_f000L), 2 * P, true, true));
        assertFails(Errno.EINVAL, reserved, IoasSpaceRules.map(reserved, at(0xfeef_f000L), P, true, true));
        mapped(reserved, 0xfef0_0000L, P);
    }

    @Test
    void fixedMapRefusesOverlap() {
        IoasSpace one = mapped(empty, 16 * P, 2 * P);
        assertFails(Errno.EEXIST, one, IoasSpaceRules.map(one, at(15 * P), 2 * P, true, true));
        assertFails(Errno.EEXIST, one, IoasSpaceRules.map(one, at(17 * P), 4 * P, true, true));
        mapped(one, 18 * P, P);
    }

    @Test
    void fixedMapIgnoresTheAllowedList() {
        IoasSpace allowed =
                assertOk(1, IoasSpaceRules.allowIovas(empty, List.of(new RequestedRange(0x10_0000, 0x1f_ffff))));
        mapped(allowed, 0x20_0000, P);
        mapped(allowed, 0x1f_f000, 2 * P);
        mapped(allowed, 0, P);
        // the automatic placement still keeps inside the allowed list
        assertOk(0x10_0000L, IoasSpaceRules.map(mapped(allowed, 0x20_0000, P), OptionalLong.empty(), P, true, true));
    }

    @Test
    void automaticMapRefusesHugeLengths() {
        assertFails(
                Errno.EOVERFLOW,
                empty,
                IoasSpaceRules.map(empty, OptionalLong.empty(), 0x7fff_ffff_ffff_ffffL, true, true));
        assertFails(
                Errno.EOVERFLOW,
                empty,
                IoasSpaceRules.map(empty, OptionalLong.empty(), 0x8000_0000_0000_0000L, true, true));
    }

    @Test
    void automaticMapNeverChoosesZeroAndAlignsToTheLengthsPowerOfTwo() {
        IoasSpace first = assertOk(P, IoasSpaceRules.map(empty, OptionalLong.empty(), P, true, true));
        IoasSpace second = assertOk(4 * P, IoasSpaceRules.map(first, OptionalLong.empty(), 3 * P, true, true));
        assertOk(2 * P, IoasSpaceRules.map(second, OptionalLong.empty(), 2 * P, true, true));
        // with no domain the alignment is 1, so a 5-byte area is aligned to 8 and the search starts at 4K
        IoasSpace tiny = assertOk(P, IoasSpaceRules.map(empty, OptionalLong.empty(), 5, true, true));
        assertOk(P + 8, IoasSpaceRules.map(tiny, OptionalLong.empty(), 5, true, true));
    }

    @Test
    void automaticMapTakesTheLowestFittingHoleInsideTheAllowedList() {
        IoasSpace allowed = assertOk(
                2,
                IoasSpaceRules.allowIovas(
                        empty,
                        List.of(new RequestedRange(0x10_0000, 0x10_1fff), new RequestedRange(0x40_0000, 0x4f_ffff))));
        IoasSpace one = assertOk(0x10_0000L, IoasSpaceRules.map(allowed, OptionalLong.empty(), 2 * P, true, true));
        assertOk(0x40_0000L, IoasSpaceRules.map(one, OptionalLong.empty(), P, true, true));
    }

    @Test
    void automaticMapSkipsReservedRangesAndAreas() {
        IoasSpace reserved =
                assertOk(1, IoasSpaceRules.addReserved(empty, "dev", List.of(new IovaRange(P, 4 * P - 1))));
        IoasSpace one = assertOk(4 * P, IoasSpaceRules.map(reserved, OptionalLong.empty(), P, true, true));
        assertOk(8 * P, IoasSpaceRules.map(one, OptionalLong.empty(), 4 * P, true, true));
    }

    @Test
    void automaticMapWithoutAHoleIsRefused() {
        IoasSpace full =
                assertOk(1, IoasSpaceRules.addReserved(empty, "aperture", List.of(new IovaRange(0x10_0000, MAX))));
        assertFails(Errno.ENOSPC, full, IoasSpaceRules.map(full, OptionalLong.empty(), 0x10_0000, true, true));
        IoasSpace nearlyFull =
                assertOk(1, IoasSpaceRules.addReserved(empty, "aperture", List.of(new IovaRange(2 * P, MAX))));
        assertOk(P, IoasSpaceRules.map(nearlyFull, OptionalLong.empty(), P, true, true));
    }

    @Test
    void automaticMapAvoidsTheLastPage() {
        IoasSpace low = assertOk(1, IoasSpaceRules.addReserved(empty, "low", List.of(new IovaRange(0, MAX - 2 * P))));
        // free: [MAX - 2P + 1, MAX]; the last page is outside the search window, so one page fits
        assertOk(MAX - 2 * P + 1, IoasSpaceRules.map(low, OptionalLong.empty(), P, true, true));
        IoasSpace lower = assertOk(1, IoasSpaceRules.addReserved(empty, "low", List.of(new IovaRange(0, MAX - P))));
        assertFails(Errno.ENOSPC, lower, IoasSpaceRules.map(lower, OptionalLong.empty(), 1, true, true));
    }

    @Test
    void mapRawChecksUnknownFlagsFirstAndTheIovaFieldAlways() {
        assertFails(Errno.EOPNOTSUPP, empty, IoasSpaceRules.mapRaw(empty, 1 << 31, MAX, 0));
        assertFails(Errno.EOVERFLOW, empty, IoasSpaceRules.mapRaw(empty, IoasSpaceRules.FLAG_READABLE, MAX, P));
        assertFails(Errno.EINVAL, empty, IoasSpaceRules.mapRaw(empty, IoasSpaceRules.FLAG_FIXED_IOVA, P, P));
        assertOk(
                5 * P,
                IoasSpaceRules.mapRaw(empty, IoasSpaceRules.FLAG_FIXED_IOVA | IoasSpaceRules.FLAG_WRITEABLE, 5 * P, P));
        assertOk(P, IoasSpaceRules.mapRaw(empty, IoasSpaceRules.FLAG_READABLE, 5 * P, P));
    }

    @Test
    void unmapAllSucceedsEvenWhenEmpty() {
        assertOk(0L, IoasSpaceRules.unmap(empty, 0, MAX));
        IoasSpace two = mapped(mapped(empty, P, P), 8 * P, 2 * P);
        assertTrue(assertOk(3 * P, IoasSpaceRules.unmap(two, 0, MAX)).areas().isEmpty());
    }

    @Test
    void unmapRefusesUlongMaxAndWrap() {
        assertFails(Errno.EOVERFLOW, empty, IoasSpaceRules.unmap(empty, MAX, P));
        assertFails(Errno.EOVERFLOW, empty, IoasSpaceRules.unmap(empty, P, MAX));
        assertFails(Errno.EOVERFLOW, empty, IoasSpaceRules.unmap(empty, MAX - P + 1, 2 * P));
    }

    @Test
    void unmapRefusesLengthZero() {
        assertFails(Errno.EINVAL, empty, IoasSpaceRules.unmap(empty, P, 0));
    }

    @Test
    void unmapThatCutsTheFirstAreaItMeetsChangesNothing() {
        IoasSpace two = mapped(mapped(empty, P, P), 4 * P, 4 * P);
        assertFails(Errno.ENOENT, two, IoasSpaceRules.unmap(two, 5 * P, P));
        assertFails(Errno.ENOENT, two, IoasSpaceRules.unmapCompat(two, 5 * P, 4 * P));
        assertFails(Errno.ENOENT, two, IoasSpaceRules.unmap(two, 5 * P, 16 * P));
    }

    @Test
    void unmapThatCutsALaterAreaKeepsTheRemovalsBelowIt() {
        IoasSpace three = mapped(mapped(mapped(empty, P, P), 2 * P, P), 4 * P, 4 * P);
        IoasSpace onlyTheCutArea = mapped(empty, 4 * P, 4 * P);
        StepAssertions.assertFailsLeaving(Errno.ENOENT, onlyTheCutArea, IoasSpaceRules.unmap(three, 0, 5 * P));
        StepAssertions.assertFailsLeaving(Errno.ENOENT, onlyTheCutArea, IoasSpaceRules.unmapCompat(three, P, 6 * P));
        // the area above the cut one is not reached
        IoasSpace withHigher = mapped(three, 16 * P, P);
        StepAssertions.assertFailsLeaving(
                Errno.ENOENT, mapped(onlyTheCutArea, 16 * P, P), IoasSpaceRules.unmap(withHigher, 0, 5 * P));
    }

    @Test
    void unmapOfNothingIsEnoentNativelyAndZeroThroughCompat() {
        assertFails(Errno.ENOENT, empty, IoasSpaceRules.unmap(empty, 5 * P, P));
        assertEquals(empty, assertOk(0L, IoasSpaceRules.unmapCompat(empty, 5 * P, P)));
    }

    @Test
    void compatUnmapAcceptsOnlyTheUnmapAllFlag() {
        IoasSpace one = mapped(empty, P, P);
        assertFails(Errno.EINVAL, one, IoasSpaceRules.unmapCompat(one, 1, P, P)); // GET_DIRTY_BITMAP
        assertFails(Errno.EINVAL, one, IoasSpaceRules.unmapCompat(one, 1 << 2, P, P)); // VADDR
        assertFails(Errno.EINVAL, one, IoasSpaceRules.unmapCompat(one, IoasSpaceRules.COMPAT_UNMAP_FLAG_ALL | 1, 0, 0));
    }

    @Test
    void compatUnmapAllNeedsIovaAndSizeZero() {
        IoasSpace two = mapped(mapped(empty, P, P), 8 * P, 2 * P);
        assertFails(Errno.EINVAL, two, IoasSpaceRules.unmapCompat(two, IoasSpaceRules.COMPAT_UNMAP_FLAG_ALL, P, 0));
        assertFails(Errno.EINVAL, two, IoasSpaceRules.unmapCompat(two, IoasSpaceRules.COMPAT_UNMAP_FLAG_ALL, 0, P));
        assertFails(Errno.EINVAL, two, IoasSpaceRules.unmapCompat(two, IoasSpaceRules.COMPAT_UNMAP_FLAG_ALL, 0, MAX));
        assertTrue(assertOk(3 * P, IoasSpaceRules.unmapCompat(two, IoasSpaceRules.COMPAT_UNMAP_FLAG_ALL, 0, 0))
                .areas()
                .isEmpty());
        assertEquals(
                empty, assertOk(0L, IoasSpaceRules.unmapCompat(empty, IoasSpaceRules.COMPAT_UNMAP_FLAG_ALL, 0, 0)));
    }

    @Test
    void compatUnmapRefusesSizeZeroAndWrapButNotUlongMax() {
        assertFails(Errno.EINVAL, empty, IoasSpaceRules.unmapCompat(empty, P, 0));
        assertFails(Errno.EINVAL, empty, IoasSpaceRules.unmapCompat(empty, 0, 0));
        assertFails(Errno.EOVERFLOW, empty, IoasSpaceRules.unmapCompat(empty, MAX - P + 1, 2 * P));
        assertFails(Errno.EOVERFLOW, empty, IoasSpaceRules.unmapCompat(empty, P, MAX));
        // no ULONG_MAX check on this path: the last byte alone is a valid (empty) range
        assertEquals(empty, assertOk(0L, IoasSpaceRules.unmapCompat(empty, MAX, 1)));
    }

    @Test
    void compatUnmapOfZeroToU64MaxIsAnOrdinaryRangeNotUnmapAll() {
        IoasSpace two = mapped(mapped(empty, P, P), 8 * P, 2 * P);
        assertTrue(
                assertOk(3 * P, IoasSpaceRules.unmapCompat(two, 0, MAX)).areas().isEmpty());
        // the range ends at 2^64 - 2, so an area holding the last byte is cut, after the lower ones are gone
        IoasSpace top = mapped(empty, MAX - P + 1, P);
        StepAssertions.assertFailsLeaving(
                Errno.ENOENT, top, IoasSpaceRules.unmapCompat(mapped(two, MAX - P + 1, P), 0, MAX));
        assertTrue(assertOk(4 * P, IoasSpaceRules.unmap(mapped(two, MAX - P + 1, P), 0, MAX))
                .areas()
                .isEmpty());
    }

    @Test
    void unmapRemovesEveryFullyContainedArea() {
        IoasSpace three = mapped(mapped(mapped(empty, P, P), 4 * P, 4 * P), 16 * P, P);
        IoasSpace after = assertOk(5 * P, IoasSpaceRules.unmap(three, 0, 8 * P));
        assertEquals(List.of(new IoasArea(16 * P, P, Prot.READ_WRITE)), after.areas());
        assertOk(P, IoasSpaceRules.unmapCompat(after, 16 * P, P));
    }

    @Test
    void allowIovasRefusesStartNotBelowLastAndOverlaps() {
        assertFails(Errno.EINVAL, empty, IoasSpaceRules.allowIovas(empty, List.of(new RequestedRange(P, P))));
        assertFails(Errno.EINVAL, empty, IoasSpaceRules.allowIovas(empty, List.of(new RequestedRange(2 * P, P))));
        assertFails(
                Errno.EINVAL,
                empty,
                IoasSpaceRules.allowIovas(
                        empty, List.of(new RequestedRange(0, 2 * P), new RequestedRange(2 * P, 4 * P))));
    }

    @Test
    void allowIovasRefusesReservedAndKeepsTheOldList() {
        IoasSpace allowed = assertOk(1, IoasSpaceRules.allowIovas(empty, List.of(new RequestedRange(0, 0xffff))));
        IoasSpace reserved =
                assertOk(1, IoasSpaceRules.addReserved(allowed, "msi", List.of(new IovaRange(0x10_0000, 0x10_ffff))));
        IoasSpace refused = assertOk(
                1,
                IoasSpaceRules.allowIovas(
                        IoasSpaceRules.allowIovas(
                                        IoasSpaceRules.allowIovas(
                                                        reserved, List.of(new RequestedRange(0x10_f000, 0x11_ffff)))
                                                .state(),
                                        List.of())
                                .state(),
                        List.of(new RequestedRange(0, 0xffff))));
        assertFails(
                Errno.EADDRINUSE,
                refused,
                IoasSpaceRules.allowIovas(refused, List.of(new RequestedRange(0x10_f000, 0x11_ffff))));
        assertEquals(List.of(new IovaRange(0, 0xffff)), refused.allowed());
    }

    @Test
    void allowIovasWithAnEmptyListClearsIt() {
        IoasSpace allowed = assertOk(1, IoasSpaceRules.allowIovas(empty, List.of(new RequestedRange(0, 0xffff))));
        assertEquals(
                List.of(),
                assertOk(0, IoasSpaceRules.allowIovas(allowed, List.of())).allowed());
    }

    @Test
    void addReservedRefusesAllowedRangesAndAreas() {
        IoasSpace allowed = assertOk(1, IoasSpaceRules.allowIovas(empty, List.of(new RequestedRange(0, 0xffff))));
        assertFails(
                Errno.EADDRINUSE,
                allowed,
                IoasSpaceRules.addReserved(allowed, "dev", List.of(new IovaRange(0xf000, 0x1_ffff))));
        IoasSpace area = mapped(empty, 0x20_0000, P);
        assertFails(
                Errno.EADDRINUSE, area, IoasSpaceRules.addReserved(area, "dev", List.of(new IovaRange(0, 0x20_0000))));
        assertOk(1, IoasSpaceRules.addReserved(area, "dev", List.of(new IovaRange(0, 0x1f_ffff))));
    }

    @Test
    void removeReservedDropsOnlyThatOwnersRanges() {
        IoasSpace both = assertOk(
                1,
                IoasSpaceRules.addReserved(
                        assertOk(
                                2,
                                IoasSpaceRules.addReserved(
                                        empty, "a", List.of(new IovaRange(0, P - 1), new IovaRange(8 * P, 9 * P - 1)))),
                        "b",
                        List.of(new IovaRange(4 * P, 5 * P - 1))));
        IoasSpace onlyB = assertOk(2, IoasSpaceRules.removeReserved(both, "a"));
        assertEquals(List.of(new IovaRange(4 * P, 5 * P - 1)), IoasSpaceRules.reserved(onlyB));
        assertEquals(onlyB, assertOk(0, IoasSpaceRules.removeReserved(onlyB, "a")));
    }

    @Test
    void iovaRangesAreTheHolesOfTheReservedRanges() {
        assertEquals(List.of(IovaRange.EVERYTHING), IoasSpaceRules.iovaRanges(empty));
        IoasSpace reserved = assertOk(
                2,
                IoasSpaceRules.addReserved(
                        empty, "dom", List.of(new IovaRange(0, P - 1), new IovaRange(1L << 48, MAX))));
        reserved = assertOk(
                1, IoasSpaceRules.addReserved(reserved, "msi", List.of(new IovaRange(0xfee0_0000L, 0xfeef_ffffL))));
        assertEquals(
                List.of(new IovaRange(P, 0xfedf_ffffL), new IovaRange(0xfef0_0000L, (1L << 48) - 1)),
                IoasSpaceRules.iovaRanges(reserved));
    }

    @Test
    void iovaRangesIgnoreTheAllowedList() {
        IoasSpace reserved =
                assertOk(1, IoasSpaceRules.addReserved(empty, "dom", List.of(new IovaRange(0x10_0000, MAX))));
        IoasSpace allowed = assertOk(1, IoasSpaceRules.allowIovas(reserved, List.of(new RequestedRange(P, 0xf_ffff))));
        assertEquals(List.of(new IovaRange(0, 0xf_ffff)), IoasSpaceRules.iovaRanges(allowed));
        assertEquals(
                Outcome.ok(new IovaRangesAnswer(List.of(new IovaRange(0, 0xf_ffff)), 1)),
                IoasSpaceRules.queryIovaRanges(allowed, 1));
    }

    @Test
    void queryIovaRangesNeedsRoomForEveryRange() {
        StepAssertions.assertFails(Errno.EMSGSIZE, IoasSpaceRules.queryIovaRanges(empty, 0));
        Outcome<IovaRangesAnswer> answer = IoasSpaceRules.queryIovaRanges(empty, 1);
        assertEquals(Outcome.ok(new IovaRangesAnswer(List.of(IovaRange.EVERYTHING), 1)), answer);
    }

    @Test
    void setIovaAlignmentRefusesMisalignedAreas() {
        IoasSpace odd = mapped(empty, 0x800, 0x800);
        assertFails(Errno.EADDRINUSE, odd, IoasSpaceRules.setIovaAlignment(odd, P));
        assertOk(0x800L, IoasSpaceRules.setIovaAlignment(odd, 0x800));
        assertThrows(IllegalArgumentException.class, () -> IoasSpaceRules.setIovaAlignment(empty, 3));
    }

    @Test
    void translateIsEmptyOutsideAreas() {
        IoasSpace one = mapped(empty, 4 * P, P);
        assertEquals(OptionalLong.of(IoasSpace.USER_ADDRESS_BASE + 4 * P + 7), one.translate(4 * P + 7));
        assertEquals(OptionalLong.empty(), one.translate(5 * P));
    }
}
