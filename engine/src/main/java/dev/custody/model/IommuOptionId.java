package dev.custody.model;

/** enum iommufd_option of the uapi: each constant's ordinal is its value. */
public enum IommuOptionId {
    RLIMIT_MODE,
    HUGE_PAGES
}
