package dev.custody.rules;

/**
 * Deliberately wrong rules, switched on one at a time by {@code custody simulate --mutant} to prove
 * the checks catch real bugs. With none switched on (always, outside that proof) the rules are the
 * kernel's.
 */
public enum Mutant {
    /** VFIO SET_CONTAINER claims the group even though kernel DMA drivers hold it (owner_cnt check skipped). */
    CLAIM_IGNORES_KERNEL_USERS("the container claim ignores kernel users"),
    /** dma_cleanup decrements owner_cnt even for a device that holds no kernel use (unbalanced unuse). */
    UNUSE_IGNORES_COUNT("unuse does not check the count"),
    /** A device hot-added to an owned group gets the default domain, not the group's current one. */
    HOT_ADD_DEFAULT_DOMAIN("a hot-added device gets the default domain in an owned group"),
    /** Releasing ownership leaves the group on whatever domain the owner had (no switch to default). */
    RELEASE_KEEPS_DOMAIN("release forgets to switch to the default domain"),
    /** A driver bind is answered before dma_configure is recorded (the use of the default domain is lost). */
    PROBE_NOT_RECORDED("a probe is acknowledged before its kernel DMA use is recorded");

    private final String description;

    Mutant(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    public String cliName() {
        return name().toLowerCase().replace('_', '-');
    }
}
