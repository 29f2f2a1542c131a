package dev.custody.model;

/** The flags of IOMMU_IOAS_MAP (iommu_ioas_map.flags). */
public enum IoasMapFlag {
    READABLE,
    WRITEABLE,
    /** Map at the given IOVA instead of letting the IOAS choose one. */
    FIXED_IOVA
}
