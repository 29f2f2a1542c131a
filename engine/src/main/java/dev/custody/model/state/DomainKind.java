package dev.custody.model.state;

/** The kernel's domain types that matter to ownership (include/linux/iommu.h). */
public enum DomainKind {
    IDENTITY("identity"),
    DMA("DMA"),
    DMA_FQ("DMA-FQ"),
    BLOCKED("blocked"),
    /** UNMANAGED / paging: a domain a caller allocated and maps itself. */
    PAGING("unmanaged");

    private final String sysfsName;

    DomainKind(String sysfsName) {
        this.sysfsName = sysfsName;
    }

    /** The word /sys/kernel/iommu_groups/N/type prints for a default domain of this kind. */
    public String sysfsName() {
        return sysfsName;
    }

    public boolean isPaging() {
        return this == PAGING || this == DMA || this == DMA_FQ;
    }
}
