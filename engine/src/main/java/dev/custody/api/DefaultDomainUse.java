package dev.custody.api;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One use of a device group's default domain by an in-kernel caller: what
 * iommu_device_use_default_domain counts in the group's owner_cnt and iommu_device_unuse_default_domain
 * gives back. Only {@link Custody#useDefaultDomain} makes one, and giving the use back needs it, once:
 * without it a caller could drop another driver's use and let a user claim the group under it.
 */
public final class DefaultDomainUse extends Capability {
    final String device;
    private final AtomicBoolean givenBack = new AtomicBoolean();

    DefaultDomainUse(Object issuer, String device) {
        super(issuer, device);
        this.device = device;
    }

    /** Marks the use as given back; false when it was already. */
    boolean giveBack() {
        return givenBack.compareAndSet(false, true);
    }

    /** Undoes {@link #giveBack} when the engine refused to give the use back, so its holder may try again. */
    void keep() {
        givenBack.set(false);
    }
}
