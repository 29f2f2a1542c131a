package dev.custody.rules.mapping;

import static dev.custody.rules.mapping.StepAssertions.assertFails;
import static dev.custody.rules.mapping.StepAssertions.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.mapping.Type1Version;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The mapping conformance cases, one test per case ("p" is a 4K page); each is also a corpus scenario. */
class ConformanceRowsTest {

    static final long P = 0x1000;
    static final long ULONG_MAX = 0xffff_ffff_ffff_ffffL;

    @Test
    void row32FixedMapsOverlappingAnExistingAreaAreEexist() {
        IoasSpace ioas =
                assertOk(16 * P, IoasSpaceRules.map(IoasSpace.empty(), OptionalLong.of(16 * P), 2 * P, true, true));
        assertFails(Errno.EEXIST, ioas, IoasSpaceRules.map(ioas, OptionalLong.of(15 * P), 2 * P, true, true));
        assertFails(Errno.EEXIST, ioas, IoasSpaceRules.map(ioas, OptionalLong.of(16 * P), P, true, true));
    }

    @Test
    void row33NoPermissionUnknownFlagAndUlongMaxIova() {
        IoasSpace ioas = IoasSpace.empty();
        assertFails(Errno.EINVAL, ioas, IoasSpaceRules.mapRaw(ioas, 0, P, P));
        assertFails(Errno.EOPNOTSUPP, ioas, IoasSpaceRules.mapRaw(ioas, 1 << 31, P, P));
        assertFails(
                Errno.EOVERFLOW,
                ioas,
                IoasSpaceRules.mapRaw(
                        ioas, IoasSpaceRules.FLAG_READABLE | IoasSpaceRules.FLAG_FIXED_IOVA, ULONG_MAX, P));
    }

    @Test
    void row35UnmapOfAnEmptyIoasIsEnoentNativelyAndZeroThroughCompat() {
        IoasSpace ioas = IoasSpace.empty();
        assertFails(Errno.ENOENT, ioas, IoasSpaceRules.unmap(ioas, 5 * P, P));
        assertOk(0L, IoasSpaceRules.unmapCompat(ioas, 5 * P, P));
    }

    @Test
    void row36AllowIovasIntersectingReservedThenStartNotBelowLast() {
        IoasSpace ioas = assertOk(
                1,
                IoasSpaceRules.addReserved(
                        IoasSpace.empty(), "msi", List.of(new IovaRange(0xfee0_0000L, 0xfeef_ffffL))));
        assertFails(
                Errno.EADDRINUSE,
                ioas,
                IoasSpaceRules.allowIovas(ioas, List.of(new RequestedRange(0xfe00_0000L, 0xfeff_ffffL))));
        assertFails(Errno.EINVAL, ioas, IoasSpaceRules.allowIovas(ioas, List.of(new RequestedRange(0x2000, 0x1000))));
    }

    @Test
    void row37IovaRangesWithNoRoomIsEmsgsizeNamingTheNeededCount() {
        IoasSpace ioas = assertOk(
                1,
                IoasSpaceRules.addReserved(
                        IoasSpace.empty(), "msi", List.of(new IovaRange(0xfee0_0000L, 0xfeef_ffffL))));
        Outcome<IovaRangesAnswer> answer = IoasSpaceRules.queryIovaRanges(ioas, 0);
        assertFails(Errno.EMSGSIZE, answer);
        assertTrue(answer.explanation().orElseThrow().contains("2 ranges needed"));
        assertEquals(2, IoasSpaceRules.iovaRanges(ioas).size());
    }

    @Test
    void row38Type1MapThenOverlapSizeZeroAndNoFlags() {
        Type1DmaSpace container = assertOk(
                0x2000L,
                Type1DmaRules.map(Type1DmaSpace.empty(Type1Version.V2), 0x1000, 0x10_0000, 0x2000, true, true));
        assertFails(Errno.EEXIST, container, Type1DmaRules.map(container, 0x2000, 0x20_0000, 0x1000, true, true));
        assertFails(Errno.EINVAL, container, Type1DmaRules.map(container, 0x8000, 0x20_0000, 0, true, true));
        assertFails(Errno.EINVAL, container, Type1DmaRules.map(container, 0x8000, 0x20_0000, 0x1000, false, false));
    }
}
