package dev.custody.rules;

import static dev.custody.rules.Results.OK;
import static dev.custody.rules.Results.fail;
import static dev.custody.rules.Results.warn;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.OwnerId;
import dev.custody.model.Reply;
import dev.custody.model.event.DomainEvent.DomainAllocated;
import dev.custody.model.event.GroupEvent.BlockingDomainSet;
import dev.custody.model.event.GroupEvent.ClaimAdded;
import dev.custody.model.event.GroupEvent.ClaimDropped;
import dev.custody.model.event.GroupEvent.OwnershipReleased;
import dev.custody.model.event.GroupEvent.OwnershipTaken;
import dev.custody.model.state.Claimant;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import java.util.Optional;

/**
 * DMA ownership of an IOMMU group (drivers/iommu/iommu.c). Each method is one kernel
 * entry point running under group->mutex; callers are named in the comment.
 */
public final class GroupRules {
    private GroupRules() {}

    /** iommu_device_use_default_domain, from the bus dma_configure. */
    public static Outcome<Reply> useDefaultDomain(Tx tx, DeviceId device) {
        Optional<GroupState> found = tx.state().groupOf(device);
        if (found.isEmpty()) {
            return OK; // no group, nothing counted
        }
        GroupState group = found.get();
        if (group.ownerCnt() > 0 && !tx.mutated(Mutant.USE_IGNORES_OWNER)) {
            // only joins kernel users that are still on the default domain
            if (group.isOwned()) {
                return fail(Errno.EBUSY, "group " + group.id() + " is owned by " + Describe.holders(tx.state(), group));
            }
            if (!group.onDefaultDomain()) {
                return fail(
                        Errno.EBUSY,
                        "group " + group.id() + " is attached to domain "
                                + Describe.domainOf(tx.state(), group, group.domain()) + ", not its default domain");
            }
            if (!group.pasids().isEmpty()) {
                return fail(Errno.EBUSY, "group " + group.id() + " has PASID attachments");
            }
        }
        tx.emit(new ClaimAdded(group.id(), Claimant.device(device))); // owner_cnt++
        return OK;
    }

    /** iommu_device_unuse_default_domain, from the bus dma_cleanup. */
    public static Outcome<Reply> unuseDefaultDomain(Tx tx, DeviceId device) {
        Optional<GroupState> found = tx.state().groupOf(device);
        if (found.isEmpty()) {
            return OK; // no group, no-op
        }
        GroupState group = found.get();
        if (group.ownerCnt() == 0 || !group.pasids().isEmpty()) {
            return warn("unuse on group " + group.id() + " with owner_cnt " + group.ownerCnt()
                    + (group.pasids().isEmpty() ? "" : " and PASID attachments") + ": not decremented");
        }
        if (tx.mutated(Mutant.UNUSE_IGNORES_COUNT) && group.ownerCnt() > 0) {
            tx.emit(new ClaimDropped(group.id(), group.claims().firstKey()));
            return OK;
        }
        if (group.isOwned() || group.claimsOf(Claimant.device(device)) == 0) {
            // the kernel would decrement someone else's count; we refuse the caller bug (decisions.md)
            return warn(device + " holds no kernel DMA use of group " + group.id() + " ("
                    + Describe.holders(tx.state(), group) + "): not decremented");
        }
        tx.emit(new ClaimDropped(group.id(), Claimant.device(device)));
        return OK;
    }

    /** iommu_group_claim_dma_owner, from VFIO SET_CONTAINER and in-kernel callers. */
    public static Outcome<Reply> claimGroup(Tx tx, GroupState group, Optional<OwnerId> owner) {
        if (owner.isEmpty()) {
            return fail(Errno.EINVAL, "claim with a NULL owner (the kernel WARNs)"); // WARN_ON(!owner)
        }
        if (group.ownerCnt() != 0 && !tx.mutated(Mutant.CLAIM_IGNORES_KERNEL_USERS)) {
            return fail(
                    Errno.EPERM,
                    "group " + group.id() + " has " + Describe.holders(tx.state(), group)); // any owner_cnt
        }
        return takeOwnership(tx, group, owner.get(), Claimant.GROUP);
    }

    /** iommu_group_release_dma_owner -> __iommu_release_dma_ownership. */
    public static Outcome<Reply> releaseGroup(Tx tx, GroupState group) {
        if (group.ownerCnt() == 0 || group.owner().isEmpty() || !group.pasids().isEmpty()) {
            return warn("release of group " + group.id() + " that has no exclusive owner ("
                    + Describe.holders(tx.state(), group) + ")");
        }
        tx.emit(new OwnershipReleased(group.id())); // owner_cnt = 0 whatever the count was
        if (!tx.mutated(Mutant.RELEASE_KEEPS_DOMAIN)) {
            DomainRules.setDomainNoFail(tx, group.id(), group.defaultDomain());
        }
        return OK;
    }

    /** iommu_device_claim_dma_owner, from iommufd_device_bind. */
    public static Outcome<Reply> claimDevice(Tx tx, DeviceId device, Optional<OwnerId> owner) {
        if (owner.isEmpty()) {
            return fail(Errno.EINVAL, "claim with a NULL owner (the kernel WARNs)");
        }
        Optional<GroupState> found = tx.state().groupOf(device);
        if (found.isEmpty()) {
            return fail(Errno.ENODEV, device + " has no IOMMU group");
        }
        GroupState group = found.get();
        if (group.ownerCnt() > 0) {
            if (!group.owner().equals(owner) && !tx.mutated(Mutant.DEVICE_CLAIM_IGNORES_OWNER)) {
                return fail(
                        Errno.EPERM,
                        "group " + group.id() + " has " + Describe.holders(tx.state(), group) + ", not "
                                + owner.get().label());
            }
            tx.emit(new ClaimAdded(group.id(), Claimant.device(device))); // same owner shares the group
            return OK;
        }
        return takeOwnership(tx, group, owner.get(), Claimant.device(device));
    }

    /** iommu_device_release_dma_owner, from iommufd_device_unbind. */
    public static Outcome<Reply> releaseDevice(Tx tx, DeviceId device) {
        Optional<GroupState> found = tx.state().groupOf(device);
        if (found.isEmpty()) {
            return warn(device + " has no IOMMU group to release");
        }
        GroupState group = found.get();
        if (group.ownerCnt() > 1 && !tx.mutated(Mutant.DEVICE_RELEASE_DROPS_GROUP)) {
            Claimant claimant = Claimant.device(device);
            if (group.owner().isEmpty() || group.claimsOf(claimant) == 0) {
                // the kernel decrements blindly; a caller bug, refused here (docs/decisions.md, Bookkeeping)
                return warn(device + " holds no claim on group " + group.id() + " ("
                        + Describe.holders(tx.state(), group) + "): not decremented");
            }
            tx.emit(new ClaimDropped(group.id(), claimant));
            return OK;
        }
        return releaseGroup(tx, group);
    }

    /**
     * __iommu_take_dma_ownership: only from the default domain, through the blocking
     * domain, allocated on first use and kept until the group empties (G11).
     */
    static Outcome<Reply> takeOwnership(Tx tx, GroupState group, OwnerId owner, Claimant claimant) {
        if (!group.onDefaultDomain()) {
            return fail(
                    Errno.EBUSY,
                    "group " + group.id() + " is attached to domain "
                            + Describe.domainOf(tx.state(), group, group.domain()) + ", not its default domain");
        }
        if (!group.pasids().isEmpty()) {
            return fail(Errno.EBUSY, "group " + group.id() + " has PASID attachments");
        }
        DomainId blocking = group.blockingDomain()
                .filter(reused -> !tx.mutated(Mutant.BLOCKING_REALLOCATED))
                .orElseGet(() -> allocateBlocking(tx, group));
        Outcome<Reply> switched =
                tx.mutated(Mutant.OWNERSHIP_SKIPS_BLOCKING) ? OK : DomainRules.setDomain(tx, group.id(), blocking);
        if (!switched.isOk()) {
            return switched;
        }
        tx.emit(new OwnershipTaken(group.id(), owner, claimant));
        return OK;
    }

    /** The group's blocking domain, allocated on first use (__iommu_group_alloc_blocking_domain). */
    static DomainId blockingOf(Tx tx, GroupState group) {
        return group.blockingDomain().orElseGet(() -> allocateBlocking(tx, group));
    }

    static DomainId allocateBlocking(Tx tx, GroupState group) {
        DomainId id = tx.nextDomainId();
        tx.emit(new DomainAllocated(new DomainState(
                id, "blocking", DomainKind.BLOCKED, tx.state().iommuOf(group), new DomainUse.GroupCore(group.id()))));
        tx.emit(new BlockingDomainSet(group.id(), id));
        return id;
    }
}
