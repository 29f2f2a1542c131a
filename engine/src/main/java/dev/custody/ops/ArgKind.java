package dev.custody.ops;

/** The kinds of step arguments, each validated before anything runs. */
public enum ArgKind {
    /** A device of the topology, by name. */
    DEVICE,
    /** A group number. */
    GROUP,
    /** A driver of the catalogue. */
    DRIVER,
    /** A driver_override string, or null to clear it. */
    OVERRIDE,
    /** A name bound by an earlier step's {@code as}, or a raw number such as fd -1. */
    REF,
    /** A list of REFs (the group fds of a hot reset). */
    REFS,
    /** REF or null. */
    NULLABLE_REF,
    /** Free text. */
    TEXT,
    /** Free text or null (a NULL owner). */
    NULLABLE_TEXT,
    /** A u64, as a JSON number or a 0x string. */
    NUMBER,
    /** An errno name. */
    ERRNO,
    /** A list of flag names, each a constant of the argument's flag enum. */
    FLAGS,
    /**
     * FLAGS, or the raw flag word as a number (a JSON number or a 0x string below 2^32), which may set
     * bits the kernel does not know.
     */
    FLAG_WORD,
    /**
     * A constant of the argument's enum, whose ordinal is the uapi value, or the raw value as a number
     * (a JSON number or a 0x string), which may be one the kernel does not define.
     */
    CODE,
    /** An IOMMU model for VFIO_SET_IOMMU by its scenario name ("type1", "type1v2", ...). */
    IOMMU_TYPE,
    BOOL,
    /** A list of [start, last] pairs. */
    RANGES,
    /** "r", "w" or "rw". */
    PROT
}
