/*
 * Used only when the build machine's kernel headers have no linux/iommufd.h (Debian 12's
 * linux-libc-dev is Linux 6.1; iommufd's uapi arrived in 6.2). The structures below restate the
 * iommufd ABI as documented for Linux 6.2 and later, written for this test: with them the test
 * still checks that the C compiler lays the structs out as the Java layouts do, but not that
 * this restatement matches the kernel. Machines with the real header use it instead.
 */
#ifndef CUSTODY_IOMMUFD_ABI_RESTATED_H
#define CUSTODY_IOMMUFD_ABI_RESTATED_H
#include <linux/types.h>
#include <linux/ioctl.h>

#define IOMMUFD_TYPE (';')
#define IOMMUFD_CMD_DESTROY 0x80
#define IOMMUFD_CMD_IOAS_ALLOC 0x81
#define IOMMUFD_CMD_IOAS_IOVA_RANGES 0x84
#define IOMMUFD_CMD_IOAS_MAP 0x85
#define IOMMUFD_CMD_IOAS_UNMAP 0x86

#define IOMMU_IOAS_MAP_FIXED_IOVA (1 << 0)
#define IOMMU_IOAS_MAP_WRITEABLE (1 << 1)
#define IOMMU_IOAS_MAP_READABLE (1 << 2)

struct iommu_destroy { __u32 size; __u32 id; };
struct iommu_ioas_alloc { __u32 size; __u32 flags; __u32 out_ioas_id; };
struct iommu_iova_range { __aligned_u64 start; __aligned_u64 last; };
struct iommu_ioas_iova_ranges {
	__u32 size; __u32 ioas_id; __u32 num_iovas; __u32 __reserved;
	__aligned_u64 allowed_iovas; __aligned_u64 out_iova_alignment;
};
struct iommu_ioas_map {
	__u32 size; __u32 flags; __u32 ioas_id; __u32 __reserved;
	__aligned_u64 user_va; __aligned_u64 length; __aligned_u64 iova;
};
struct iommu_ioas_unmap { __u32 size; __u32 ioas_id; __aligned_u64 iova; __aligned_u64 length; };

#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)
#endif
