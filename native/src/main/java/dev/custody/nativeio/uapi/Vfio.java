package dev.custody.nativeio.uapi;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * The VFIO group, container and device-cdev structures and requests of linux/vfio.h (the cdev ones
 * since Linux 6.6), beside the type1 DMA ones of {@link VfioType1}. Requests without a structure
 * take an integer (the IOMMU type, the extension, the container fd) or a C string (the device's
 * name) as their argument.
 */
public final class Vfio {
    public static final long VFIO_CHECK_EXTENSION = Ioctl.io(VfioType1.TYPE, VfioType1.BASE + 1);
    public static final long VFIO_SET_IOMMU = Ioctl.io(VfioType1.TYPE, VfioType1.BASE + 2);
    public static final long VFIO_GROUP_GET_STATUS = Ioctl.io(VfioType1.TYPE, VfioType1.BASE + 3);
    public static final long VFIO_GROUP_SET_CONTAINER = Ioctl.io(VfioType1.TYPE, VfioType1.BASE + 4);
    public static final long VFIO_GROUP_UNSET_CONTAINER = Ioctl.io(VfioType1.TYPE, VfioType1.BASE + 5);
    public static final long VFIO_GROUP_GET_DEVICE_FD = Ioctl.io(VfioType1.TYPE, VfioType1.BASE + 6);
    public static final long VFIO_DEVICE_GET_REGION_INFO = Ioctl.io(VfioType1.TYPE, VfioType1.BASE + 8);
    public static final long VFIO_DEVICE_BIND_IOMMUFD = Ioctl.io(VfioType1.TYPE, VfioType1.BASE + 18);
    public static final long VFIO_DEVICE_ATTACH_IOMMUFD_PT = Ioctl.io(VfioType1.TYPE, VfioType1.BASE + 19);
    public static final long VFIO_DEVICE_DETACH_IOMMUFD_PT = Ioctl.io(VfioType1.TYPE, VfioType1.BASE + 20);

    /** vfio-pci's region indexes: BAR 0, and the device's configuration space. */
    public static final int PCI_BAR0_REGION_INDEX = 0;

    public static final int PCI_CONFIG_REGION_INDEX = 7;

    public static final int GROUP_FLAGS_VIABLE = 1;
    public static final int GROUP_FLAGS_CONTAINER_SET = 1 << 1;

    private Vfio() {}

    /** struct vfio_group_status. */
    public static final class GroupStatus {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("argsz"), JAVA_INT.withName("flags"))
                .withName("vfio_group_status");
        public static final VarHandle ARGSZ = Uapi.field(LAYOUT, "argsz");
        public static final VarHandle FLAGS = Uapi.field(LAYOUT, "flags");

        private GroupStatus() {}
    }

    /** struct vfio_device_bind_iommufd: iommufd is signed, a negative one is refused before any fd lookup. */
    public static final class BindIommufd {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("argsz"),
                        JAVA_INT.withName("flags"),
                        JAVA_INT.withName("iommufd"),
                        JAVA_INT.withName("out_devid"))
                .withName("vfio_device_bind_iommufd");
        public static final VarHandle ARGSZ = Uapi.field(LAYOUT, "argsz");
        public static final VarHandle IOMMUFD = Uapi.field(LAYOUT, "iommufd");
        public static final VarHandle OUT_DEVID = Uapi.field(LAYOUT, "out_devid");

        private BindIommufd() {}
    }

    /** struct vfio_device_attach_iommufd_pt; pt_id is in/out (an IOAS in, the HWPT used out). */
    public static final class AttachIommufdPt {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("argsz"), JAVA_INT.withName("flags"), JAVA_INT.withName("pt_id"))
                .withName("vfio_device_attach_iommufd_pt");
        public static final VarHandle ARGSZ = Uapi.field(LAYOUT, "argsz");
        public static final VarHandle PT_ID = Uapi.field(LAYOUT, "pt_id");

        private AttachIommufdPt() {}
    }

    /** struct vfio_device_detach_iommufd_pt. */
    public static final class DetachIommufdPt {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("argsz"), JAVA_INT.withName("flags"))
                .withName("vfio_device_detach_iommufd_pt");
        public static final VarHandle ARGSZ = Uapi.field(LAYOUT, "argsz");

        private DetachIommufdPt() {}
    }

    /** struct vfio_region_info: where a region of the device fd is (offset) and how large it is. */
    public static final class RegionInfo {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                        JAVA_INT.withName("argsz"),
                        JAVA_INT.withName("flags"),
                        JAVA_INT.withName("index"),
                        JAVA_INT.withName("cap_offset"),
                        JAVA_LONG.withName("size"),
                        JAVA_LONG.withName("offset"))
                .withName("vfio_region_info");
        public static final VarHandle ARGSZ = Uapi.field(LAYOUT, "argsz");
        public static final VarHandle FLAGS = Uapi.field(LAYOUT, "flags");
        public static final VarHandle INDEX = Uapi.field(LAYOUT, "index");
        public static final VarHandle SIZE = Uapi.field(LAYOUT, "size");
        public static final VarHandle OFFSET = Uapi.field(LAYOUT, "offset");

        /** flags: the region can be read, written. */
        public static final int FLAG_READ = 1;

        public static final int FLAG_WRITE = 1 << 1;

        private RegionInfo() {}
    }
}
