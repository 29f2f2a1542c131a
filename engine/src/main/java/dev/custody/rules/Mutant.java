package dev.custody.rules;

import java.util.Optional;

/**
 * Deliberately wrong rules, switched on one at a time by {@code custody simulate --mutant} to prove
 * the checks catch real bugs. With none switched on (always, outside that proof) the rules are the
 * kernel's. Where a wrong rule is modelled on an upstream commit, its javadoc quotes the commit's
 * subject; docs/BENCHMARKS.md has the seed that catches each one and the scenarios that do.
 */
public enum Mutant {
    /**
     * VFIO SET_CONTAINER claims the group even though kernel DMA drivers hold it (owner_cnt check
     * skipped): the check "iommu: Add DMA ownership management interfaces" brought.
     */
    CLAIM_IGNORES_KERNEL_USERS("the container claim ignores kernel users"),
    /**
     * dma_cleanup decrements owner_cnt even for a device that holds no kernel use (unbalanced unuse).
     * The kernel itself decrements blindly here; only the model's bookkeeping of who holds the count
     * tells, so no scenario can catch it. Modelled on no specific commit.
     */
    UNUSE_IGNORES_COUNT(
            "unuse does not check the count",
            "the kernel's iommu_device_unuse_default_domain decrements owner_cnt blindly, as the mutant does;"
                    + " only the model refuses an unuse by a device that holds no use (docs/decisions.md,"
                    + " Bookkeeping), and it keeps the count the kernel would"),
    /**
     * A device hot-added to an owned group gets the default domain, not the group's current one.
     * Modelled on no specific commit.
     */
    HOT_ADD_DEFAULT_DOMAIN("a hot-added device gets the default domain in an owned group"),
    /**
     * Releasing ownership leaves the group on whatever domain the owner had (no switch to default).
     * Modelled on no specific commit.
     */
    RELEASE_KEEPS_DOMAIN("release forgets to switch to the default domain"),
    /**
     * A driver bind is answered before dma_configure is recorded (the use of the default domain is
     * lost): it undoes "bus: platform,amba,fsl-mc,PCI: Add device DMA ownership management".
     */
    PROBE_NOT_RECORDED("a probe is acknowledged before its kernel DMA use is recorded"),
    /**
     * dma_configure lets a kernel driver bind in a group a user owns: the sibling's driver is not
     * counted against the owner. Before "iommu: Add DMA ownership management interfaces"
     * the kernel had exactly this hole, which the series "Fix BUG_ON in vfio_iommu_group_notifier()"
     * closed; see also "vfio: Remove use of vfio_group_viable()".
     */
    USE_IGNORES_OWNER("a kernel driver binds in a group a user owns"),
    /**
     * A probe() that fails does not undo dma_configure, so owner_cnt keeps a use nobody holds.
     * Modelled on "driver core: Call dma_cleanup() on the test_remove path", where
     * really_probe re-probed without the matching dma_cleanup.
     */
    FAILED_PROBE_SKIPS_CLEANUP("a failed probe() keeps its kernel DMA use"),
    /**
     * iommu_device_claim_dma_owner joins any non-zero owner_cnt without comparing owners, so a second
     * iommufd or a kernel user shares the group. The owner comparison came with "iommu: Add
     * device-centric DMA ownership interfaces"; modelled on no specific bug.
     */
    DEVICE_CLAIM_IGNORES_OWNER("a device claim joins a group another owner holds"),
    /**
     * iommu_device_release_dma_owner releases the whole group although other devices of the same
     * owner still hold claims (owner_cnt > 1 is ignored). Modelled on no specific commit.
     */
    DEVICE_RELEASE_DROPS_GROUP("releasing one device releases the whole group"),
    /**
     * __iommu_take_dma_ownership records the owner without switching the group to its blocking
     * domain, so the user reaches the kernel's default domain. Modelled on no specific commit.
     */
    OWNERSHIP_SKIPS_BLOCKING("ownership is taken without switching to the blocking domain"),
    /**
     * Every claim allocates a fresh blocking domain instead of reusing the group's (the old one
     * leaks). Modelled on no specific commit.
     */
    BLOCKING_REALLOCATED("each claim allocates a new blocking domain"),
    /**
     * VFIO_GROUP_UNSET_CONTAINER ignores container_users: the container goes while device fds are
     * open (vfio_group_ioctl_unset_container allows only the 1 -> 0 transition). Modelled on no
     * specific commit.
     */
    UNSET_IGNORES_OPEN_DEVICES("unset container ignores open device fds"),
    /**
     * open(/dev/vfio/N) does not look at cdev-bound siblings, so the group and cdev paths own one group
     * at once. The count that forbids it came with "vfio: Add cdev_device_open_cnt to vfio_group"
     *; modelled on no specific bug.
     */
    GROUP_OPEN_IGNORES_CDEV("the group file opens beside a bound cdev"),
    /**
     * VFIO_DEVICE_BIND_IOMMUFD does not look at an open group file, the other half of the rule of
     * "vfio: Add cdev_device_open_cnt to vfio_group"; modelled on no specific bug.
     */
    CDEV_BIND_IGNORES_GROUP_FILE("a cdev binds while its group file is open"),
    /** A second open of /dev/vfio/N succeeds (group->opened_file is not checked). Modelled on no specific commit. */
    GROUP_OPEN_NOT_EXCLUSIVE("the group file can be opened twice"),
    /**
     * The last device of a group detached from its HWPT leaves the group on the HWPT's domain instead
     * of the blocking one, so the auto HWPT is freed under it. Modelled on no specific commit.
     */
    IOMMUFD_DETACH_KEEPS_DOMAIN("the last iommufd detach forgets the blocking domain"),
    /**
     * A replace records the devices on the new HWPT but leaves the group on the old HWPT's domain,
     * which is then freed. Loosely modelled on "iommufd/device: Fix hwpt at err_unresv in
     * iommufd_device_do_replace()", where replace's error path put back the wrong HWPT; here the
     * bookkeeping and the group's domain part on the success path.
     */
    REPLACE_KEEPS_OLD_DOMAIN("a replace leaves the group on the old domain"),
    /**
     * Unbinding vfio-pci does not wait for the device's open VFIO fds (vfio_unregister_group_dev
     * returns at once), so ownership goes while the fds are in use. Modelled on no specific commit.
     */
    UNBIND_IGNORES_VFIO_FDS("unbind does not wait for open VFIO fds"),
    /**
     * The group's last device leaves but its default and blocking domains stay allocated.
     * Modelled on no specific commit; the release path "iommu: Same critical region for device
     * release and removal" reorganised.
     */
    EMPTY_GROUP_KEEPS_DOMAINS("an emptied group keeps its core domains"),
    /** iommu_domain_free of a domain a group still uses goes ahead (use-after-free). Modelled on no specific commit. */
    FREE_ATTACHED_DOMAIN("a domain in use can be freed");

    private final String description;
    private final String whyTheKernelCannotTell;

    Mutant(String description) {
        this(description, null);
    }

    Mutant(String description, String whyTheKernelCannotTell) {
        this.description = description;
        this.whyTheKernelCannotTell = whyTheKernelCannotTell;
    }

    public String description() {
        return description;
    }

    /**
     * Why no kernel run can catch this mutant, for the few that differ from the model only where the
     * model departs from the kernel on purpose: a scenario that caught one would disagree with the
     * kernel. Empty for every mutant the kernel's own answers give away.
     */
    public Optional<String> whyTheKernelCannotTell() {
        return Optional.ofNullable(whyTheKernelCannotTell);
    }

    public String cliName() {
        return name().toLowerCase().replace('_', '-');
    }
}
