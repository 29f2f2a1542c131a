package dev.custody.model.mapping;

/** VFIO_TYPE1_IOMMU (v1) or VFIO_TYPE1v2_IOMMU (v2): they differ only in how UNMAP_DMA treats partial ranges. */
public enum Type1Version {
    V1,
    V2
}
