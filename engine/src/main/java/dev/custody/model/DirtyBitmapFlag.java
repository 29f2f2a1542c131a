package dev.custody.model;

/**
 * The flags of IOMMU_HWPT_GET_DIRTY_BITMAP (enum iommufd_hwpt_get_dirty_bitmap_flags): each
 * constant's bit in the uapi word is 1 << its ordinal.
 */
public enum DirtyBitmapFlag {
    /** Read the dirty bits without clearing them. */
    NO_CLEAR
}
