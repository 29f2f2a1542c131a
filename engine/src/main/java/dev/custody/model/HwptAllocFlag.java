package dev.custody.model;

/** The flags of IOMMU_HWPT_ALLOC (iommu_hwpt_alloc.flags, enum iommufd_hwpt_alloc_flags). */
public enum HwptAllocFlag {
    /** The HWPT may become the parent (stage 2) of nested HWPTs. */
    NEST_PARENT,
    /** The HWPT's domain must support dirty page tracking. */
    DIRTY_TRACKING,
    /** fault_id names a fault object (a nested HWPT's I/O page faults go there). */
    FAULT_ID_VALID,
    /** Bit 31, which the 6.12 uapi does not define (the unknown-flag case). */
    UNDEFINED_BIT_31
}
