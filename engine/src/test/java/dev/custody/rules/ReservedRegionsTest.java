package dev.custody.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.model.IommuSpec;
import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.IovaRange;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * type1's valid IOVA list and the part of an IOAS a domain reserves, for IOMMU widths on either side
 * of the MSI window and at the 64-bit edge, where {@code 1L << 64} would wrap to 1 if it were used.
 */
class ReservedRegionsTest {
    private static IommuSpec wide(int bits) {
        return new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, bits);
    }

    @Test
    void anApertureBelowTheMsiWindowIsValidWhole() {
        assertEquals(List.of(new IovaRange(0, 0x7fffffffL)), ReservedRegions.type1ValidRanges(wide(31)));
    }

    @Test
    void aThirtyTwoBitApertureLosesTheMsiWindowOnly() {
        assertEquals(
                List.of(new IovaRange(0, 0xfedfffffL), new IovaRange(0xfef00000L, 0xffffffffL)),
                ReservedRegions.type1ValidRanges(wide(32)));
    }

    @Test
    void wideAperturesEndAtTheirLastAddress() {
        assertEquals(
                List.of(new IovaRange(0, 0xfedfffffL), new IovaRange(0xfef00000L, (1L << 48) - 1)),
                ReservedRegions.type1ValidRanges(wide(48)));
        assertEquals(
                List.of(new IovaRange(0, 0xfedfffffL), new IovaRange(0xfef00000L, Long.MAX_VALUE)),
                ReservedRegions.type1ValidRanges(wide(63)));
        assertEquals(
                List.of(new IovaRange(0, 0xfedfffffL), new IovaRange(0xfef00000L, Addresses.ULONG_MAX)),
                ReservedRegions.type1ValidRanges(wide(64)));
    }

    @Test
    void aDomainReservesWhatLiesBeyondItsAperture() {
        assertEquals(List.of(new IovaRange(1L << 39, Addresses.ULONG_MAX)), ReservedRegions.beyondAperture(wide(39)));
        assertEquals(List.of(new IovaRange(1L << 63, Addresses.ULONG_MAX)), ReservedRegions.beyondAperture(wide(63)));
        assertEquals(List.of(), ReservedRegions.beyondAperture(wide(64)));
    }
}
