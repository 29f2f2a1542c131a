package dev.custody.rules.mapping;

import static dev.custody.rules.mapping.StepAssertions.assertFails;
import static dev.custody.rules.mapping.StepAssertions.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.Prot;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class IoasCopyRulesTest {

    static final long P = 0x1000;

    final IoasSpace source =
            map(map(map(IoasSpace.empty(), 0x10000, 2 * P, true), 0x12000, P, true), 0x20000, P, false);

    static IoasSpace map(IoasSpace space, long iova, long length, boolean writeable) {
        return assertOk(iova, IoasSpaceRules.map(space, OptionalLong.of(iova), length, true, writeable));
    }

    static IoasCopyRules.Source taken(IoasSpace space, long iova, long length) {
        return ((Outcome.Ok<IoasCopyRules.Source>) IoasCopyRules.source(space, iova, length)).value();
    }

    static Errno refusal(Outcome<?> outcome) {
        return ((Outcome.Failed<?>) outcome).errno();
    }

    @Test
    void theSourceRangeIsTakenAreaByAreaWithoutAGap() {
        IoasCopyRules.Source source = taken(this.source, 0x11000, 2 * P);
        assertEquals(
                List.of(new IoasArea(0x11000, P, new Prot(true, true)), new IoasArea(0x12000, P, new Prot(true, true))),
                source.pieces());
        assertEquals(P, source.pointerAlignment(), "0x1000 into a buffer aligned to 0x2000");
        assertEquals(0, source.pageOffset());
    }

    @Test
    void aHoleAnywhereInTheSourceRangeIsEnoent() {
        assertEquals(Errno.ENOENT, refusal(IoasCopyRules.source(source, 0x13000, P)));
        assertEquals(Errno.ENOENT, refusal(IoasCopyRules.source(source, 0x12000, 2 * P)));
        assertEquals(Errno.ENOENT, refusal(IoasCopyRules.source(source, 0xf000, 2 * P)));
    }

    @Test
    void lengthZeroIsEinvalAndAWrappingRangeEoverflow() {
        assertEquals(Errno.EINVAL, refusal(IoasCopyRules.source(source, 0x10000, 0)));
        assertEquals(Errno.EOVERFLOW, refusal(IoasCopyRules.source(source, -P, 2 * P)));
    }

    @Test
    void eachSourcePieceBecomesOneDestinationArea() {
        IoasSpace after = assertOk(
                0x100000L,
                IoasCopyRules.into(
                        IoasSpace.empty(),
                        taken(source, 0x10000, 3 * P),
                        OptionalLong.of(0x100000),
                        3 * P,
                        true,
                        false));
        assertEquals(
                List.of(
                        new IoasArea(0x100000, 2 * P, new Prot(true, false)),
                        new IoasArea(0x102000, P, new Prot(true, false))),
                after.areas());
    }

    @Test
    void aWriteableCopyOfReadOnlyPagesIsEperm() {
        IoasSpace empty = IoasSpace.empty();
        assertFails(
                Errno.EPERM,
                empty,
                IoasCopyRules.into(empty, taken(source, 0x20000, P), OptionalLong.of(P), P, true, true));
        assertOk(P, IoasCopyRules.into(empty, taken(source, 0x20000, P), OptionalLong.of(P), P, true, false));
    }

    @Test
    void aFixedDestinationOverlappingAnAreaIsEexist() {
        assertFails(
                Errno.EEXIST,
                source,
                IoasCopyRules.into(source, taken(source, 0x10000, P), OptionalLong.of(0x11000), P, true, false));
    }

    @Test
    void theDestinationAlignmentRefusesShortLengthsAndPageOffsets() {
        IoasSpace aligned = assertOk(P, IoasSpaceRules.setIovaAlignment(IoasSpace.empty(), P));
        assertFails(
                Errno.EINVAL,
                aligned,
                IoasCopyRules.into(aligned, taken(source, 0x10000, 0x800), OptionalLong.of(P), 0x800, true, false));
        assertFails(
                Errno.EINVAL,
                aligned,
                IoasCopyRules.into(aligned, taken(source, 0x10800, P), OptionalLong.of(P), P, true, false));
        assertFails(
                Errno.EINVAL,
                aligned,
                IoasCopyRules.into(aligned, taken(source, 0x10800, P), OptionalLong.empty(), P, true, false));
    }

    @Test
    void anAutomaticPlaceFollowsTheSourcePointerAndKeepsItsPageOffset() {
        IoasSpace empty = IoasSpace.empty();
        assertOk(
                0x2000L,
                IoasCopyRules.into(empty, taken(source, 0x10000, 2 * P), OptionalLong.empty(), 2 * P, true, false));
        assertOk(P, IoasCopyRules.into(empty, taken(source, 0x11000, 2 * P), OptionalLong.empty(), 2 * P, true, false));
        assertOk(
                0x1800L,
                IoasCopyRules.into(empty, taken(source, 0x10800, 0x800), OptionalLong.empty(), 0x800, true, false));
    }
}
