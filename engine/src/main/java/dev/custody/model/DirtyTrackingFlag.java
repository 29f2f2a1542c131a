package dev.custody.model;

/**
 * The flags of IOMMU_HWPT_SET_DIRTY_TRACKING (enum iommufd_hwpt_set_dirty_tracking_flags): each
 * constant's bit in the uapi word is 1 << its ordinal.
 */
public enum DirtyTrackingFlag {
    /** Start tracking (clearing what the page table holds first); without it, stop. */
    ENABLE
}
