package dev.custody.rules.mapping;

import static dev.custody.rules.mapping.StepAssertions.assertFails;
import static dev.custody.rules.mapping.StepAssertions.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Errno;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.mapping.Prot;
import java.util.List;
import org.junit.jupiter.api.Test;

class IommuDomainMappingsTest {

    static final long K4 = 0x1000;
    static final long M2 = 0x20_0000;
    static final long G1 = 0x4000_0000;
    static final long VTD_BITMAP = K4 | M2 | G1;

    final IommuDomainMappings empty = IommuDomainMappings.empty(VTD_BITMAP, 48);

    @Test
    void sizeZeroMapsNothingAndSucceeds() {
        assertSame(empty, assertOk(0L, DomainMapRules.map(empty, 0, 0, 0, Prot.READ_WRITE)));
        IommuDomainMappings one = assertOk(K4, DomainMapRules.map(empty, K4, K4, K4, Prot.READ));
        // no driver is called, so neither prot nor an overlap nor the width is looked at
        assertSame(one, assertOk(0L, DomainMapRules.map(one, K4, 0, 0, new Prot(false, false))));
        assertSame(one, assertOk(0L, DomainMapRules.map(one, 1L << 48, 0, 0, Prot.READ)));
    }

    @Test
    void sizeZeroStillNeedsAlignedAddresses() {
        assertFails(Errno.EINVAL, empty, DomainMapRules.map(empty, 0x800, 0, 0, Prot.READ_WRITE));
        assertFails(Errno.EINVAL, empty, DomainMapRules.map(empty, 0, 0x800, 0, Prot.READ_WRITE));
    }

    @Test
    void iovaPaddrOrSizeNotMultipleOfSmallestPageIsRefused() {
        assertFails(Errno.EINVAL, empty, DomainMapRules.map(empty, 0x800, 0, K4, Prot.READ_WRITE));
        assertFails(Errno.EINVAL, empty, DomainMapRules.map(empty, 0, 0x800, K4, Prot.READ_WRITE));
        assertFails(Errno.EINVAL, empty, DomainMapRules.map(empty, 0, 0, 0x1800, Prot.READ_WRITE));
    }

    @Test
    void noPermissionIsRefused() {
        assertFails(Errno.EINVAL, empty, DomainMapRules.map(empty, 0, 0, K4, new Prot(false, false)));
    }

    @Test
    void rangePastAddressWidthIsRefusedButTheLastPageFits() {
        long top = 1L << 48;
        assertFails(Errno.EINVAL, empty, DomainMapRules.map(empty, top, 0, K4, Prot.READ));
        assertFails(Errno.EINVAL, empty, DomainMapRules.map(empty, top - K4, 0, 2 * K4, Prot.READ));
        IommuDomainMappings mapped = assertOk(K4, DomainMapRules.map(empty, top - K4, 0, K4, Prot.READ));
        assertEquals(0x123, mapped.iovaToPhys(top - K4 + 0x123));
    }

    @Test
    void wrappingIovaOrPaddrIsRefusedEvenAt64Bits() {
        IommuDomainMappings wide = IommuDomainMappings.empty(VTD_BITMAP, 64);
        assertFails(Errno.EINVAL, wide, DomainMapRules.map(wide, 0xffff_ffff_ffff_f000L, 0, 2 * K4, Prot.READ));
        assertFails(Errno.EINVAL, wide, DomainMapRules.map(wide, 0, 0xffff_ffff_ffff_f000L, 2 * K4, Prot.READ));
        IommuDomainMappings top =
                assertOk(K4, DomainMapRules.map(wide, 0xffff_ffff_ffff_f000L, 0xffff_ffff_ffff_f000L, K4, Prot.READ));
        assertEquals(0xffff_ffff_ffff_ffffL, top.iovaToPhys(0xffff_ffff_ffff_ffffL));
        assertEquals(K4, assertUnmapped(DomainMapRules.unmap(top, 0xffff_ffff_ffff_f000L, K4)));
    }

    private static long assertUnmapped(MappingStep<IommuDomainMappings, Mapping, Long> step) {
        assertTrue(step.outcome().isOk());
        assertTrue(step.state().isEmpty());
        return step.value();
    }

    @Test
    void eachChunkUsesTheLargestPageTheAlignmentAllows() {
        // [2M - 4K, 4M + 8K): one 4K page up to 2M, one 2M page, two 4K pages
        IommuDomainMappings mapped =
                assertOk(M2 + 3 * K4, DomainMapRules.map(empty, M2 - K4, M2 - K4, M2 + 3 * K4, Prot.READ_WRITE));
        assertEquals(
                List.of(
                        new Mapping(M2 - K4, M2 - K4, K4, Prot.READ_WRITE),
                        new Mapping(M2, M2, M2, Prot.READ_WRITE),
                        new Mapping(2 * M2, 2 * M2, K4, Prot.READ_WRITE),
                        new Mapping(2 * M2 + K4, 2 * M2 + K4, K4, Prot.READ_WRITE)),
                mapped.leaves().toList());
        // held as runs: the two 4K pages at the end continue each other
        assertEquals(
                List.of(
                        new Mapping(M2 - K4, M2 - K4, K4, Prot.READ_WRITE),
                        new Mapping(M2, M2, M2, Prot.READ_WRITE),
                        new Mapping(2 * M2, 2 * M2, K4, Prot.READ_WRITE, 2)),
                mapped.runs());
    }

    @Test
    void misalignedPaddrForcesSmallPages() {
        IommuDomainMappings mapped = assertOk(M2, DomainMapRules.map(empty, 0, K4, M2, Prot.READ));
        assertEquals(512, mapped.leafCount());
        assertEquals(List.of(new Mapping(0, K4, K4, Prot.READ, 512)), mapped.runs());
        assertEquals(K4 + 0x42, mapped.iovaToPhys(0x42));
    }

    @Test
    void aMapGrowsThenShrinksItsPagesInAtMostTwoRunsPerSize() {
        // from 4K below a 1G boundary... to 8K past the next but one: 4K, 2M, 1G, 2M, 4K pieces
        long iova = G1 - M2 - K4;
        long size = K4 + M2 + 2 * G1 + M2 + 2 * K4;
        MappingStep<IommuDomainMappings, Mapping, Long> step = DomainMapRules.map(empty, iova, iova, size, Prot.READ);
        assertEquals(
                List.of(
                        new Mapping(iova, iova, K4, Prot.READ),
                        new Mapping(G1 - M2, G1 - M2, M2, Prot.READ),
                        new Mapping(G1, G1, G1, Prot.READ, 2),
                        new Mapping(3 * G1, 3 * G1, M2, Prot.READ),
                        new Mapping(3 * G1 + M2, 3 * G1 + M2, K4, Prot.READ, 2)),
                step.added());
        assertEquals(size, step.value());
        assertEquals(1 + 1 + 2 + 1 + 2, step.state().leafCount());
    }

    @Test
    void aTebibyteIsAFewRunsAndUnmapsArithmetically() {
        IommuDomainMappings fourK = IommuDomainMappings.empty(K4, 48);
        long tib = 1L << 40;
        IommuDomainMappings mapped = assertOk(tib, DomainMapRules.map(fourK, K4, 0x10_0000_0000L, tib, Prot.READ));
        assertEquals(1L << 28, mapped.leafCount());
        assertEquals(1, mapped.runCount());
        assertEquals(0x10_0000_0000L + tib - 1, mapped.iovaToPhys(tib + K4 - 1));
        // a hole in the middle splits the run in two; unmapping across it stops at the hole
        IommuDomainMappings holed = assertOk(K4, DomainMapRules.unmap(mapped, 1L << 39, K4));
        assertEquals(2, holed.runCount());
        assertEquals(0, holed.iovaToPhys((1L << 39) + 5));
        assertEquals(
                (1L << 39) - K4, (long) DomainMapRules.unmap(holed, K4, tib).value());
    }

    @Test
    void aGigabyteAlignedRangeIsOneLeaf() {
        IommuDomainMappings mapped = assertOk(G1, DomainMapRules.map(empty, G1, 2 * G1, G1, Prot.WRITE));
        assertEquals(List.of(new Mapping(G1, 2 * G1, G1, Prot.WRITE)), mapped.runs());
    }

    @Test
    void overlapIsRefusedAndNothingChanges() {
        IommuDomainMappings mapped = assertOk(2 * K4, DomainMapRules.map(empty, 2 * K4, 0, 2 * K4, Prot.READ));
        assertFails(Errno.EEXIST, mapped, DomainMapRules.map(mapped, 3 * K4, 0x10_0000, K4, Prot.READ));
        assertFails(Errno.EEXIST, mapped, DomainMapRules.map(mapped, 0, 0x10_0000, 3 * K4, Prot.READ));
        assertFails(Errno.EEXIST, mapped, DomainMapRules.map(mapped, 0, 0x10_0000, 8 * K4, Prot.READ));
        assertOk(K4, DomainMapRules.map(mapped, 4 * K4, 0x10_0000, K4, Prot.READ));
    }

    @Test
    void misalignedUnmapReturnsZeroWithoutError() {
        IommuDomainMappings mapped = assertOk(K4, DomainMapRules.map(empty, 0, 0, K4, Prot.READ));
        MappingStep<IommuDomainMappings, Mapping, Long> step = DomainMapRules.unmap(mapped, 0x800, K4);
        assertEquals(mapped, assertOk(0L, step));
        assertOk(0L, DomainMapRules.unmap(mapped, 0, 0x800));
    }

    @Test
    void partialUnmapOfALargePageRemovesAndReportsTheWholePage() {
        IommuDomainMappings mapped = assertOk(M2, DomainMapRules.map(empty, M2, 0, M2, Prot.READ));
        IommuDomainMappings after = assertOk(M2, DomainMapRules.unmap(mapped, M2, K4));
        assertTrue(after.isEmpty());
        IommuDomainMappings fromMiddle = assertOk(M2, DomainMapRules.unmap(mapped, M2 + 8 * K4, K4));
        assertTrue(fromMiddle.isEmpty());
    }

    @Test
    void unmapStopsAtTheFirstHole() {
        IommuDomainMappings mapped = assertOk(K4, DomainMapRules.map(empty, 0, 0, K4, Prot.READ));
        mapped = assertOk(K4, DomainMapRules.map(mapped, 2 * K4, 0, K4, Prot.READ));
        IommuDomainMappings after = assertOk(K4, DomainMapRules.unmap(mapped, 0, 3 * K4));
        assertEquals(List.of(new Mapping(2 * K4, 0, K4, Prot.READ)), after.runs());
        assertOk(0L, DomainMapRules.unmap(mapped, K4, K4));
    }

    @Test
    void unmapOfSizeZeroRemovesNothing() {
        IommuDomainMappings mapped = assertOk(K4, DomainMapRules.map(empty, 0, 0, K4, Prot.READ));
        assertEquals(mapped, assertOk(0L, DomainMapRules.unmap(mapped, 0, 0)));
    }

    @Test
    void iovaToPhysIsZeroWhenUnmapped() {
        assertEquals(0, empty.iovaToPhys(0));
        assertEquals(0, empty.iovaToPhys(0xffff_ffff_ffff_ffffL));
    }

    @Test
    void checksumFollowsTheDocumentedFormula() {
        assertEquals(17, empty.checksum());
        IommuDomainMappings mapped = assertOk(K4, DomainMapRules.map(empty, K4, 2 * K4, K4, Prot.READ_WRITE));
        long expected = 17;
        expected = 31 * expected + K4;
        expected = 31 * expected + 2 * K4;
        expected = 31 * expected + K4;
        expected = 31 * expected + 3;
        assertEquals(expected, mapped.checksum());
        assertNotEquals(
                mapped.checksum(),
                assertOk(K4, DomainMapRules.map(empty, K4, 2 * K4, K4, Prot.READ))
                        .checksum());
    }

    @Test
    void theOriginalValueIsNeverModified() {
        IommuDomainMappings mapped = assertOk(K4, DomainMapRules.map(empty, 0, 0, K4, Prot.READ));
        assertTrue(empty.isEmpty());
        DomainMapRules.unmap(mapped, 0, K4);
        assertEquals(1, mapped.runs().size());
    }

    @Test
    void protParsesTheScenarioForms() {
        assertEquals(Prot.READ, Prot.parse("r"));
        assertEquals(Prot.WRITE, Prot.parse("w"));
        assertEquals(Prot.READ_WRITE, Prot.parse("rw"));
        assertThrows(IllegalArgumentException.class, () -> Prot.parse("x"));
    }

    @Test
    void emptyRefusesNonsenseGeometry() {
        assertThrows(IllegalArgumentException.class, () -> IommuDomainMappings.empty(0, 48));
        assertThrows(IllegalArgumentException.class, () -> IommuDomainMappings.empty(K4, 65));
    }
}
