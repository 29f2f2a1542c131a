package dev.custody.ops;

/** Who makes an operation in a real system, which decides who may make it in a run. */
public enum Caller {
    /** A process: sysfs writes, open/close and ioctls on /dev/vfio and /dev/iommu. The oracle's agent can make it. */
    USER_SPACE,
    /**
     * Kernel code calling the IOMMU core (a driver, VFIO or iommufd inside the kernel). In the oracle's
     * VM its test module makes the call for the agent.
     */
    IN_KERNEL,
    /** The test harness itself: probe fault injection (the oracle's test module's drivers) and reading a group's state. */
    HARNESS
}
