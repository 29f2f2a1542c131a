package dev.custody.model;

/** The access flags of VFIO_IOMMU_MAP_DMA (vfio_iommu_type1_dma_map.flags). */
public enum Type1MapFlag {
    READ,
    WRITE
}
