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
import dev.custody.model.event.GroupEvent.ClaimAdded;
import dev.custody.model.event.GroupEvent.ClaimDropped;
import dev.custody.model.event.GroupEvent.OwnershipReleased;
import dev.custody.model.event.GroupEvent.OwnershipTaken;
import dev.custody.model.state.Claimant;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.GroupState;
import java.util.Optional;

/**
 * iommu_attach_device_shared / iommu_detach_device_shared: the unmerged 2021 interface, modelled
 * with the owner count as docs/scenario-format.md states ("same domain joins, another is rejected").
 */
public final class SharedAttachRules {
    private SharedAttachRules() {}

    public static Outcome<Reply> attach(Tx tx, DomainId domainId, DeviceId device) {
        Optional<GroupState> found = tx.state().groupOf(device);
        if (found.isEmpty()) {
            return fail(Errno.ENODEV, device + " has no IOMMU group");
        }
        GroupState group = found.get();
        boolean kernelDriver = tx.state()
                .device(device)
                .driver()
                .flatMap(tx.state().topology()::driver)
                .map(d -> !d.managedDma())
                .orElse(false);
        if (kernelDriver) {
            return fail(Errno.EPERM, device + " is bound to a kernel DMA driver");
        }
        DomainState domain = tx.state().domain(domainId);
        OwnerId shared = OwnerId.sharedDomain(domainId, domain.label());
        if (group.ownerCnt() == 0) {
            return attachFirst(tx, group, domain, shared, device);
        }
        if (group.owner().equals(Optional.of(shared))) {
            if (group.claimsOf(Claimant.device(device)) > 0) {
                return fail(Errno.EBUSY, device + " already joined domain " + domain.label());
            }
            tx.emit(new ClaimAdded(group.id(), Claimant.device(device))); // the device joins
            return OK;
        }
        if (group.owner().isEmpty()) {
            return fail(Errno.EPERM, "group " + group.id() + " has " + Describe.holders(tx.state(), group));
        }
        return fail(Errno.EBUSY, "group " + group.id() + " is held by " + Describe.holders(tx.state(), group));
    }

    /** The same checks as taking ownership, then straight onto the shared domain. */
    private static Outcome<Reply> attachFirst(
            Tx tx, GroupState group, DomainState domain, OwnerId shared, DeviceId device) {
        if (!group.onCoreDomain() || !group.pasids().isEmpty()) {
            return fail(
                    Errno.EBUSY,
                    "group " + group.id() + " is on domain " + Describe.domainOf(tx.state(), group, group.domain())
                            + " or has PASID attachments");
        }
        if (!domain.iommu().equals(tx.state().iommuOf(group))) {
            return fail(Errno.EINVAL, "domain " + domain.label() + " belongs to IOMMU " + domain.iommu());
        }
        Optional<DeviceId> direct = group.devices().stream()
                .filter(d -> tx.state().spec(d).requireDirect())
                .findFirst();
        if (direct.isPresent()) {
            return fail(Errno.EINVAL, direct.get() + " requires direct (firmware 1:1) mappings");
        }
        Outcome<Reply> switched = DomainRules.setDomain(tx, group.id(), domain.id());
        if (!switched.isOk()) {
            return switched;
        }
        tx.emit(new OwnershipTaken(group.id(), shared, Claimant.device(device)));
        return OK;
    }

    public static Outcome<Reply> detach(Tx tx, DomainId domainId, DeviceId device) {
        Optional<GroupState> found = tx.state().groupOf(device);
        if (found.isEmpty()) {
            return warn(device + " has no IOMMU group");
        }
        GroupState group = found.get();
        OwnerId shared = OwnerId.sharedDomain(domainId, Describe.domain(tx.state(), domainId));
        if (!group.owner().equals(Optional.of(shared)) || group.claimsOf(Claimant.device(device)) == 0) {
            return warn(device + " has not joined domain " + shared.label());
        }
        if (group.ownerCnt() > 1) {
            tx.emit(new ClaimDropped(group.id(), Claimant.device(device)));
            return OK;
        }
        tx.emit(new OwnershipReleased(group.id()));
        DomainRules.setDomainNoFail(tx, group.id(), group.defaultDomain());
        return OK;
    }
}
