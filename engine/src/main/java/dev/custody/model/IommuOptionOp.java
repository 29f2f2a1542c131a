package dev.custody.model;

/** enum iommufd_option_ops of the uapi: each constant's ordinal is its value. */
public enum IommuOptionOp {
    SET,
    GET
}
