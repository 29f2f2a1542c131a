package dev.custody.rules;

import dev.custody.model.IommuSpec;
import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.IovaRange;
import java.util.ArrayList;
import java.util.List;

/**
 * The IOVA ranges a device or domain cannot use: above the IOMMU's address width, and the x86
 * interrupt window every VT-d/AMD device reports as IOMMU_RESV_MSI (0xfee00000-0xfeefffff).
 */
final class ReservedRegions {
    private ReservedRegions() {}

    static final IovaRange MSI_WINDOW = new IovaRange(0xfee00000L, 0xfeefffffL);

    /** The part of the 64-bit space beyond the aperture, empty for a 64-bit wide IOMMU. */
    static List<IovaRange> beyondAperture(IommuSpec iommu) {
        if (iommu.addressWidth() >= 64) {
            return List.of();
        }
        return List.of(new IovaRange(1L << iommu.addressWidth(), Addresses.ULONG_MAX));
    }

    /** type1's iova list: the aperture minus the reserved regions (vfio_iommu_resv_exclude). */
    static List<IovaRange> type1ValidRanges(IommuSpec iommu) {
        long last = iommu.addressWidth() >= 64 ? Addresses.ULONG_MAX : (1L << iommu.addressWidth()) - 1;
        List<IovaRange> valid = new ArrayList<>();
        if (Long.compareUnsigned(last, MSI_WINDOW.start()) < 0) {
            valid.add(new IovaRange(0, last));
            return valid;
        }
        valid.add(new IovaRange(0, MSI_WINDOW.start() - 1));
        if (Long.compareUnsigned(last, MSI_WINDOW.last()) > 0) {
            valid.add(new IovaRange(MSI_WINDOW.last() + 1, last));
        }
        return valid;
    }
}
