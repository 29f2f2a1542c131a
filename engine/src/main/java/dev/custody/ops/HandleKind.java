package dev.custody.ops;

/** The kinds of object an operation's handle argument wants, for generators that pick live objects. */
public enum HandleKind {
    GROUP_FILE,
    CONTAINER,
    DEVICE_FILE,
    IOMMUFD,
    CDEV,
    DOMAIN,
    IOAS,
    HWPT,
    /** An IOAS or a HWPT: what a cdev attaches to. */
    PAGE_TABLE,
    ANY
}
