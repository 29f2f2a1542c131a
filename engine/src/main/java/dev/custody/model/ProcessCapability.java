package dev.custody.model;

/** The capabilities of the writing process that a sysfs store checks. */
public enum ProcessCapability {
    SYS_ADMIN,
    SYS_RAWIO
}
