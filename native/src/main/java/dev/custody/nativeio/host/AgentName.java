package dev.custody.nativeio.host;

/**
 * One name a line uses: a descriptor (group, container, device, iommufd, cdev) or an iommufd
 * object. Mutable, as the agent's table is: a name outlives its descriptor and keeps its object id.
 */
final class AgentName {
    final String label;
    /** Open descriptor, -1 when closed or never opened. */
    int fd = -1;
    /** iommufd object id (IOAS, HWPT), 0 for none. */
    int id;
    /** The iommufd an object belongs to. */
    AgentName ictx;
    /** A cdev's device id once bound. */
    int devid;
    /** The iommufd a cdev is bound to. */
    AgentName boundIctx;
    /** A cdev's PCI address. */
    String device = "";
    /** The HWPT a cdev is attached to, 0 for none. */
    int pt;

    AgentName(String label) {
        this.label = label;
    }
}
