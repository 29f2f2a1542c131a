package dev.custody.model;

/** The capabilities of the calling process that a sysfs store or an ioctl checks. */
public enum ProcessCapability {
    SYS_ADMIN,
    SYS_RAWIO,
    /** IOMMU_OPTION_RLIMIT_MODE's SET (iommufd_option_rlimit_mode). */
    SYS_RESOURCE
}
