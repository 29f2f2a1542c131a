package dev.custody.nativeio.backend;

import dev.custody.nativeio.pagetable.PageSizeBitmap;
import java.nio.file.Files;
import java.nio.file.Path;

/** The two places mappings can go, and the choice between them. */
public enum DmaBackend {
    /** The off-heap page table: always available, translates without touching the host. */
    SOFT,
    /** The host kernel's iommufd: real pinning and real IOMMU page tables, when /dev/iommu exists. */
    IOMMUFD;

    public static final Path DEV_IOMMU = Path.of("/dev/iommu");

    /** {@link #IOMMUFD} when {@link #DEV_IOMMU} exists, else {@link #SOFT}. */
    public static DmaBackend preferred() {
        return preferred(DEV_IOMMU);
    }

    static DmaBackend preferred(Path devIommu) {
        return Files.exists(devIommu) ? IOMMUFD : SOFT;
    }

    /**
     * Opens a new address space on this backend.
     *
     * @param pageSizes    page sizes of the soft table; the kernel chooses its own for iommufd
     * @param addressWidth address bits of the soft table; ignored by iommufd
     * @throws IllegalStateException when the kernel refuses to open /dev/iommu or allocate an IOAS
     */
    public DmaMapper open(PageSizeBitmap pageSizes, int addressWidth) {
        return switch (this) {
            case SOFT -> new SoftDmaMapper(pageSizes, addressWidth);
            case IOMMUFD -> IommufdDmaMapper.open(DEV_IOMMU);
        };
    }
}
