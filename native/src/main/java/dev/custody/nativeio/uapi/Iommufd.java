package dev.custody.nativeio.uapi;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * The {@code /dev/iommu} structures and requests of linux/iommufd.h (Linux 6.2 and later) that the
 * real backend uses. Every structure starts with its own size, which the kernel reads to accept
 * older and newer callers; the requests are plain {@code _IO} numbers for that reason.
 *
 * <p>{@code __aligned_u64} is 8-byte aligned on every architecture; on x86-64 so is
 * {@code JAVA_LONG}, so the layouts need no explicit padding except where the header has
 * {@code __reserved} fields, which are named here as there.
 */
public final class Iommufd {

    /** IOMMUFD_TYPE, the character ';'. */
    public static final int TYPE = ';';

    static final int CMD_BASE = 0x80;
    static final int CMD_DESTROY = CMD_BASE;
    static final int CMD_IOAS_ALLOC = CMD_BASE + 1;
    static final int CMD_IOAS_ALLOW_IOVAS = CMD_BASE + 2;
    static final int CMD_IOAS_IOVA_RANGES = CMD_BASE + 4;
    static final int CMD_IOAS_MAP = CMD_BASE + 5;
    static final int CMD_IOAS_UNMAP = CMD_BASE + 6;
    static final int CMD_HWPT_ALLOC = CMD_BASE + 9;
    static final int CMD_IOAS_COPY = CMD_BASE + 3;
    static final int CMD_GET_HW_INFO = CMD_BASE + 10;
    static final int CMD_OPTION = CMD_BASE + 7;
    static final int CMD_HWPT_SET_DIRTY_TRACKING = CMD_BASE + 11;
    static final int CMD_HWPT_GET_DIRTY_BITMAP = CMD_BASE + 12;

    public static final long IOMMU_DESTROY = Ioctl.io(TYPE, CMD_DESTROY);
    public static final long IOMMU_IOAS_ALLOC = Ioctl.io(TYPE, CMD_IOAS_ALLOC);
    public static final long IOMMU_IOAS_IOVA_RANGES = Ioctl.io(TYPE, CMD_IOAS_IOVA_RANGES);
    public static final long IOMMU_IOAS_MAP = Ioctl.io(TYPE, CMD_IOAS_MAP);
    public static final long IOMMU_IOAS_UNMAP = Ioctl.io(TYPE, CMD_IOAS_UNMAP);
    public static final long IOMMU_IOAS_ALLOW_IOVAS = Ioctl.io(TYPE, CMD_IOAS_ALLOW_IOVAS);
    public static final long IOMMU_HWPT_ALLOC = Ioctl.io(TYPE, CMD_HWPT_ALLOC);
    public static final long IOMMU_IOAS_COPY = Ioctl.io(TYPE, CMD_IOAS_COPY);
    public static final long IOMMU_OPTION = Ioctl.io(TYPE, CMD_OPTION);
    public static final long IOMMU_GET_HW_INFO = Ioctl.io(TYPE, CMD_GET_HW_INFO);
    public static final long IOMMU_HWPT_SET_DIRTY_TRACKING = Ioctl.io(TYPE, CMD_HWPT_SET_DIRTY_TRACKING);
    public static final long IOMMU_HWPT_GET_DIRTY_BITMAP = Ioctl.io(TYPE, CMD_HWPT_GET_DIRTY_BITMAP);

    /** enum iommufd_hwpt_alloc_flags. */
    public static final int HWPT_ALLOC_NEST_PARENT = 1;

    public static final int HWPT_ALLOC_DIRTY_TRACKING = 1 << 1;
    public static final int HWPT_FAULT_ID_VALID = 1 << 2;

    /** enum iommufd_ioas_map_flags. */
    public static final int MAP_FIXED_IOVA = 1;

    public static final int MAP_WRITEABLE = 1 << 1;
    public static final int MAP_READABLE = 1 << 2;

    private Iommufd() {}

    /** struct iommu_destroy. */
    public static final class Destroy {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("size"), JAVA_INT.withName("id"))
                .withName("iommu_destroy");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle ID = Uapi.field(LAYOUT, "id");

        private Destroy() {}
    }

    /** struct iommu_ioas_alloc. */
    public static final class IoasAlloc {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("size"), JAVA_INT.withName("flags"), JAVA_INT.withName("out_ioas_id"))
                .withName("iommu_ioas_alloc");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle FLAGS = Uapi.field(LAYOUT, "flags");
        public static final VarHandle OUT_IOAS_ID = Uapi.field(LAYOUT, "out_ioas_id");

        private IoasAlloc() {}
    }

    /** struct iommu_iova_range: an inclusive interval. */
    public static final class IovaRange {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_LONG.withName("start"), JAVA_LONG.withName("last"))
                .withName("iommu_iova_range");
        // Coordinates (MemorySegment array, long offset): ranges come as an array, so the base stays free.
        public static final VarHandle START = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("start"));
        public static final VarHandle LAST = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("last"));

        private IovaRange() {}
    }

    /** struct iommu_ioas_iova_ranges. */
    public static final class IoasIovaRanges {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("size"),
                        JAVA_INT.withName("ioas_id"),
                        JAVA_INT.withName("num_iovas"),
                        JAVA_INT.withName("__reserved"),
                        JAVA_LONG.withName("allowed_iovas"),
                        JAVA_LONG.withName("out_iova_alignment"))
                .withName("iommu_ioas_iova_ranges");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle IOAS_ID = Uapi.field(LAYOUT, "ioas_id");
        public static final VarHandle NUM_IOVAS = Uapi.field(LAYOUT, "num_iovas");
        public static final VarHandle ALLOWED_IOVAS = Uapi.field(LAYOUT, "allowed_iovas");
        public static final VarHandle OUT_IOVA_ALIGNMENT = Uapi.field(LAYOUT, "out_iova_alignment");

        private IoasIovaRanges() {}
    }

    /** struct iommu_ioas_map. */
    public static final class IoasMap {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("size"),
                        JAVA_INT.withName("flags"),
                        JAVA_INT.withName("ioas_id"),
                        JAVA_INT.withName("__reserved"),
                        JAVA_LONG.withName("user_va"),
                        JAVA_LONG.withName("length"),
                        JAVA_LONG.withName("iova"))
                .withName("iommu_ioas_map");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle FLAGS = Uapi.field(LAYOUT, "flags");
        public static final VarHandle IOAS_ID = Uapi.field(LAYOUT, "ioas_id");
        public static final VarHandle USER_VA = Uapi.field(LAYOUT, "user_va");
        public static final VarHandle LENGTH = Uapi.field(LAYOUT, "length");
        public static final VarHandle IOVA = Uapi.field(LAYOUT, "iova");

        private IoasMap() {}
    }

    /** struct iommu_ioas_unmap; length is in/out: the bytes actually unmapped come back in it. */
    public static final class IoasUnmap {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("size"),
                        JAVA_INT.withName("ioas_id"),
                        JAVA_LONG.withName("iova"),
                        JAVA_LONG.withName("length"))
                .withName("iommu_ioas_unmap");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle IOAS_ID = Uapi.field(LAYOUT, "ioas_id");
        public static final VarHandle IOVA = Uapi.field(LAYOUT, "iova");
        public static final VarHandle LENGTH = Uapi.field(LAYOUT, "length");

        private IoasUnmap() {}
    }

    /** struct iommu_ioas_allow_iovas: allowed_iovas points at num_iovas {@link IovaRange}s. */
    public static final class IoasAllowIovas {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("size"),
                        JAVA_INT.withName("ioas_id"),
                        JAVA_INT.withName("num_iovas"),
                        JAVA_INT.withName("__reserved"),
                        JAVA_LONG.withName("allowed_iovas"))
                .withName("iommu_ioas_allow_iovas");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle IOAS_ID = Uapi.field(LAYOUT, "ioas_id");
        public static final VarHandle NUM_IOVAS = Uapi.field(LAYOUT, "num_iovas");
        public static final VarHandle ALLOWED_IOVAS = Uapi.field(LAYOUT, "allowed_iovas");

        private IoasAllowIovas() {}
    }

    /**
     * struct iommu_hwpt_alloc as Linux 6.11 and later have it (with fault_id); older kernels accept
     * the longer size as long as the fields they do not know are zero.
     */
    public static final class HwptAlloc {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("size"),
                        JAVA_INT.withName("flags"),
                        JAVA_INT.withName("dev_id"),
                        JAVA_INT.withName("pt_id"),
                        JAVA_INT.withName("out_hwpt_id"),
                        JAVA_INT.withName("__reserved"),
                        JAVA_INT.withName("data_type"),
                        JAVA_INT.withName("data_len"),
                        JAVA_LONG.withName("data_uptr"),
                        JAVA_INT.withName("fault_id"),
                        JAVA_INT.withName("__reserved2"))
                .withName("iommu_hwpt_alloc");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle FLAGS = Uapi.field(LAYOUT, "flags");
        public static final VarHandle DEV_ID = Uapi.field(LAYOUT, "dev_id");
        public static final VarHandle PT_ID = Uapi.field(LAYOUT, "pt_id");
        public static final VarHandle OUT_HWPT_ID = Uapi.field(LAYOUT, "out_hwpt_id");

        private HwptAlloc() {}
    }

    /** struct iommu_ioas_copy. */
    public static final class IoasCopy {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("size"),
                        JAVA_INT.withName("flags"),
                        JAVA_INT.withName("dst_ioas_id"),
                        JAVA_INT.withName("src_ioas_id"),
                        JAVA_LONG.withName("length"),
                        JAVA_LONG.withName("dst_iova"),
                        JAVA_LONG.withName("src_iova"))
                .withName("iommu_ioas_copy");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle FLAGS = Uapi.field(LAYOUT, "flags");
        public static final VarHandle DST_IOAS_ID = Uapi.field(LAYOUT, "dst_ioas_id");
        public static final VarHandle SRC_IOAS_ID = Uapi.field(LAYOUT, "src_ioas_id");
        public static final VarHandle LENGTH = Uapi.field(LAYOUT, "length");
        public static final VarHandle DST_IOVA = Uapi.field(LAYOUT, "dst_iova");
        public static final VarHandle SRC_IOVA = Uapi.field(LAYOUT, "src_iova");

        private IoasCopy() {}
    }

    /**
     * struct iommu_hw_info. The 32 bits after out_data_type are 6.12.0's {@code __reserved};
     * 6.12.118 splits them into the output out_max_pasid_log2 and {@code __reserved[3]}.
     */
    public static final class HwInfo {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("size"),
                        JAVA_INT.withName("flags"),
                        JAVA_INT.withName("dev_id"),
                        JAVA_INT.withName("data_len"),
                        JAVA_LONG.withName("data_uptr"),
                        JAVA_INT.withName("out_data_type"),
                        JAVA_INT.withName("__reserved"),
                        JAVA_LONG.withName("out_capabilities"))
                .withName("iommu_hw_info");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle FLAGS = Uapi.field(LAYOUT, "flags");
        public static final VarHandle DEV_ID = Uapi.field(LAYOUT, "dev_id");
        public static final VarHandle DATA_LEN = Uapi.field(LAYOUT, "data_len");
        public static final VarHandle DATA_UPTR = Uapi.field(LAYOUT, "data_uptr");
        public static final VarHandle OUT_DATA_TYPE = Uapi.field(LAYOUT, "out_data_type");
        public static final VarHandle RESERVED = Uapi.field(LAYOUT, "__reserved");
        public static final VarHandle OUT_CAPABILITIES = Uapi.field(LAYOUT, "out_capabilities");

        private HwInfo() {}
    }

    /** struct iommu_option: op and __reserved are 16 bits each. */
    public static final class Option {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("size"),
                        JAVA_INT.withName("option_id"),
                        JAVA_SHORT.withName("op"),
                        JAVA_SHORT.withName("__reserved"),
                        JAVA_INT.withName("object_id"),
                        JAVA_LONG.withName("val64"))
                .withName("iommu_option");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle OPTION_ID = Uapi.field(LAYOUT, "option_id");
        public static final VarHandle OP = Uapi.field(LAYOUT, "op");
        public static final VarHandle RESERVED = Uapi.field(LAYOUT, "__reserved");
        public static final VarHandle OBJECT_ID = Uapi.field(LAYOUT, "object_id");
        public static final VarHandle VAL64 = Uapi.field(LAYOUT, "val64");

        private Option() {}
    }
    /** struct iommu_hwpt_set_dirty_tracking. */
    public static final class SetDirtyTracking {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("size"),
                        JAVA_INT.withName("flags"),
                        JAVA_INT.withName("hwpt_id"),
                        JAVA_INT.withName("__reserved"))
                .withName("iommu_hwpt_set_dirty_tracking");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle FLAGS = Uapi.field(LAYOUT, "flags");
        public static final VarHandle HWPT_ID = Uapi.field(LAYOUT, "hwpt_id");
        public static final VarHandle RESERVED = Uapi.field(LAYOUT, "__reserved");

        private SetDirtyTracking() {}
    }

    /** struct iommu_hwpt_get_dirty_bitmap: data points at the caller's bitmap, one bit per page_size. */
    public static final class GetDirtyBitmap {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("size"),
                        JAVA_INT.withName("hwpt_id"),
                        JAVA_INT.withName("flags"),
                        JAVA_INT.withName("__reserved"),
                        JAVA_LONG.withName("iova"),
                        JAVA_LONG.withName("length"),
                        JAVA_LONG.withName("page_size"),
                        JAVA_LONG.withName("data"))
                .withName("iommu_hwpt_get_dirty_bitmap");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle HWPT_ID = Uapi.field(LAYOUT, "hwpt_id");
        public static final VarHandle FLAGS = Uapi.field(LAYOUT, "flags");
        public static final VarHandle RESERVED = Uapi.field(LAYOUT, "__reserved");
        public static final VarHandle IOVA = Uapi.field(LAYOUT, "iova");
        public static final VarHandle LENGTH = Uapi.field(LAYOUT, "length");
        public static final VarHandle PAGE_SIZE = Uapi.field(LAYOUT, "page_size");
        public static final VarHandle DATA = Uapi.field(LAYOUT, "data");

        private GetDirtyBitmap() {}
    }
}
