package dev.custody.nativeio.uapi;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * The VFIO type1 DMA structures and requests of linux/vfio.h, issued on a container fd (or on
 * {@code /dev/iommu} through iommufd's VFIO compatibility). Each structure starts with
 * {@code argsz}, its size as the caller knows it.
 */
public final class VfioType1 {

    /** VFIO_TYPE, the character ';' (shared with iommufd, which numbers from 0x80). */
    public static final int TYPE = ';';
    /** VFIO_BASE. */
    static final int BASE = 100;

    public static final long VFIO_IOMMU_MAP_DMA = Ioctl.io(TYPE, BASE + 13);
    public static final long VFIO_IOMMU_UNMAP_DMA = Ioctl.io(TYPE, BASE + 14);

    public static final int DMA_MAP_FLAG_READ = 1;
    public static final int DMA_MAP_FLAG_WRITE = 1 << 1;
    public static final int DMA_MAP_FLAG_VADDR = 1 << 2;
    public static final int DMA_UNMAP_FLAG_GET_DIRTY_BITMAP = 1;
    public static final int DMA_UNMAP_FLAG_ALL = 1 << 1;
    public static final int DMA_UNMAP_FLAG_VADDR = 1 << 2;

    private VfioType1() {}

    /** struct vfio_iommu_type1_dma_map. */
    public static final class DmaMap {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("argsz"),
                        JAVA_INT.withName("flags"),
                        JAVA_LONG.withName("vaddr"),
                        JAVA_LONG.withName("iova"),
                        JAVA_LONG.withName("size"))
                .withName("vfio_iommu_type1_dma_map");
        public static final VarHandle ARGSZ = Uapi.field(LAYOUT, "argsz");
        public static final VarHandle FLAGS = Uapi.field(LAYOUT, "flags");
        public static final VarHandle VADDR = Uapi.field(LAYOUT, "vaddr");
        public static final VarHandle IOVA = Uapi.field(LAYOUT, "iova");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");

        private DmaMap() {}
    }

    /**
     * struct vfio_iommu_type1_dma_unmap without its trailing flexible {@code data[]} (used only with
     * the dirty-bitmap flag); size is in/out: the bytes unmapped come back in it.
     */
    public static final class DmaUnmap {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("argsz"),
                        JAVA_INT.withName("flags"),
                        JAVA_LONG.withName("iova"),
                        JAVA_LONG.withName("size"))
                .withName("vfio_iommu_type1_dma_unmap");
        public static final VarHandle ARGSZ = Uapi.field(LAYOUT, "argsz");
        public static final VarHandle FLAGS = Uapi.field(LAYOUT, "flags");
        public static final VarHandle IOVA = Uapi.field(LAYOUT, "iova");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");

        private DmaUnmap() {}
    }
}
