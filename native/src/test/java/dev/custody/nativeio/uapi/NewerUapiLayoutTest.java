package dev.custody.nativeio.uapi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import org.junit.jupiter.api.Test;

/**
 * Layouts newer than the system headers {@link UapiLayoutTest} compiles against (Debian 12's are
 * Linux 6.1): the VFIO cdev calls (6.6), iommu_hwpt_alloc with its fault_id (6.11) and the dirty
 * tracking calls (6.7), checked here against the offsets of the kernel's own include/uapi/linux/vfio.h
 * and iommufd.h of Linux 6.12, the oracle's iommufd kernel.
 */
class NewerUapiLayoutTest {
    private static long offset(StructLayout layout, String field) {
        return layout.byteOffset(PathElement.groupElement(field));
    }

    @Test
    void vfioCdevStructuresAreTheKernels() {
        assertEquals(16, Vfio.BindIommufd.LAYOUT.byteSize());
        assertEquals(8, offset(Vfio.BindIommufd.LAYOUT, "iommufd"));
        assertEquals(12, offset(Vfio.BindIommufd.LAYOUT, "out_devid"));
        assertEquals(12, Vfio.AttachIommufdPt.LAYOUT.byteSize());
        assertEquals(8, offset(Vfio.AttachIommufdPt.LAYOUT, "pt_id"));
        assertEquals(8, Vfio.DetachIommufdPt.LAYOUT.byteSize());
    }

    @Test
    void vfioRegionInfoIsTheKernels() {
        // struct vfio_region_info: four u32, then size and offset; _IO(';', 100 + 8)
        assertEquals(32, Vfio.RegionInfo.LAYOUT.byteSize());
        assertEquals(8, offset(Vfio.RegionInfo.LAYOUT, "index"));
        assertEquals(16, offset(Vfio.RegionInfo.LAYOUT, "size"));
        assertEquals(24, offset(Vfio.RegionInfo.LAYOUT, "offset"));
        assertEquals(0x3b6c, Vfio.VFIO_DEVICE_GET_REGION_INFO);
    }

    @Test
    void vfioCdevRequestsAreTheKernels() {
        // _IO(';', 100 + 18..20)
        assertEquals(0x3b76, Vfio.VFIO_DEVICE_BIND_IOMMUFD);
        assertEquals(0x3b77, Vfio.VFIO_DEVICE_ATTACH_IOMMUFD_PT);
        assertEquals(0x3b78, Vfio.VFIO_DEVICE_DETACH_IOMMUFD_PT);
    }

    @Test
    void iommufdAllocationsAreTheKernels() {
        assertEquals(48, Iommufd.HwptAlloc.LAYOUT.byteSize());
        assertEquals(8, offset(Iommufd.HwptAlloc.LAYOUT, "dev_id"));
        assertEquals(12, offset(Iommufd.HwptAlloc.LAYOUT, "pt_id"));
        assertEquals(16, offset(Iommufd.HwptAlloc.LAYOUT, "out_hwpt_id"));
        assertEquals(32, offset(Iommufd.HwptAlloc.LAYOUT, "data_uptr"));
        assertEquals(40, offset(Iommufd.HwptAlloc.LAYOUT, "fault_id"));
        assertEquals(24, Iommufd.IoasAllowIovas.LAYOUT.byteSize());
        assertEquals(16, offset(Iommufd.IoasAllowIovas.LAYOUT, "allowed_iovas"));
        // _IO(';', 0x89) and _IO(';', 0x82)
        assertEquals(0x3b89, Iommufd.IOMMU_HWPT_ALLOC);
        assertEquals(0x3b82, Iommufd.IOMMU_IOAS_ALLOW_IOVAS);
    }

    @Test
    void dirtyTrackingStructuresAreTheKernels() {
        assertEquals(16, Iommufd.SetDirtyTracking.LAYOUT.byteSize());
        assertEquals(4, offset(Iommufd.SetDirtyTracking.LAYOUT, "flags"));
        assertEquals(8, offset(Iommufd.SetDirtyTracking.LAYOUT, "hwpt_id"));
        assertEquals(12, offset(Iommufd.SetDirtyTracking.LAYOUT, "__reserved"));
        assertEquals(48, Iommufd.GetDirtyBitmap.LAYOUT.byteSize());
        assertEquals(4, offset(Iommufd.GetDirtyBitmap.LAYOUT, "hwpt_id"));
        assertEquals(8, offset(Iommufd.GetDirtyBitmap.LAYOUT, "flags"));
        assertEquals(12, offset(Iommufd.GetDirtyBitmap.LAYOUT, "__reserved"));
        assertEquals(16, offset(Iommufd.GetDirtyBitmap.LAYOUT, "iova"));
        assertEquals(24, offset(Iommufd.GetDirtyBitmap.LAYOUT, "length"));
        assertEquals(32, offset(Iommufd.GetDirtyBitmap.LAYOUT, "page_size"));
        assertEquals(40, offset(Iommufd.GetDirtyBitmap.LAYOUT, "data"));
        // _IO(';', 0x8b) and _IO(';', 0x8c)
        assertEquals(0x3b8b, Iommufd.IOMMU_HWPT_SET_DIRTY_TRACKING);
        assertEquals(0x3b8c, Iommufd.IOMMU_HWPT_GET_DIRTY_BITMAP);
    }
}
