package dev.custody.rules;

import static dev.custody.rules.Results.OK;
import static dev.custody.rules.Results.fail;
import static dev.custody.rules.Results.warn;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IommuSpec;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.event.DomainEvent.DomainAllocated;
import dev.custody.model.event.DomainEvent.DomainFreed;
import dev.custody.model.event.GroupEvent.GroupDomainSet;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import java.util.Optional;

/** Domain switching and the in-kernel attach API (drivers/iommu/iommu.c). */
public final class DomainRules {
    private DomainRules() {}

    /**
     * __iommu_group_set_domain_internal without MUST_SUCCEED: every device must accept
     * the domain, else nothing changes (G12).
     */
    public static Outcome<Reply> setDomain(Tx tx, GroupId groupId, DomainId target) {
        GroupState group = tx.state().groups().get(groupId);
        if (group.domain().equals(target)) {
            return OK; // already there
        }
        DomainState domain = tx.state().domain(target);
        for (DeviceId device : group.devices()) {
            if (domain.kind() == DomainKind.BLOCKED && tx.state().spec(device).requireDirect()) {
                // __iommu_device_set_domain: firmware 1:1 mappings (RMRR) forbid a blocking domain
                return fail(Errno.EINVAL, device + " requires direct (firmware 1:1) mappings and cannot be blocked");
            }
            String iommu = tx.state().spec(device).iommu().orElse("");
            if (!domain.iommu().equals(iommu)) {
                return fail(
                        Errno.EINVAL,
                        "domain " + domain.label() + " belongs to IOMMU " + domain.iommu() + ", " + device
                                + " sits behind " + iommu);
            }
        }
        tx.emit(new GroupDomainSet(groupId, target));
        return OK;
    }

    /** __iommu_group_set_domain_nofail: the core's own default/blocking switches always take effect. */
    static void setDomainNoFail(Tx tx, GroupId groupId, DomainId target) {
        if (!tx.state().groups().get(groupId).domain().equals(target)) {
            tx.emit(new GroupDomainSet(groupId, target));
        }
    }

    /** __iommu_group_set_core_domain: blocking while owned, else default. */
    static void setCoreDomain(Tx tx, GroupId groupId) {
        GroupState group = tx.state().groups().get(groupId);
        // an owned group falls back to its blocking domain. A shared attach now allocates one when it
        // takes the group, but states decided before it did may hold an owned group without one,
        // so it is allocated here when missing
        DomainId target = group.isOwned() ? GroupRules.blockingOf(tx, group) : group.defaultDomain();
        setDomainNoFail(tx, groupId, target);
    }

    /** __iommu_attach_group: only over a core domain, only a domain of the same IOMMU. */
    static Outcome<Reply> attachGroup(Tx tx, GroupState group, DomainId target) {
        if (!group.onCoreDomain()) {
            return fail(
                    Errno.EBUSY,
                    "group " + group.id() + " is already attached to domain "
                            + Describe.domainOf(tx.state(), group, group.domain()));
        }
        DomainState domain = tx.state().domain(target);
        if (!domain.iommu().equals(tx.state().iommuOf(group))) {
            return fail(
                    Errno.EINVAL,
                    "domain " + domain.label() + " belongs to IOMMU " + domain.iommu() + ", group " + group.id()
                            + " to " + tx.state().iommuOf(group));
        }
        return setDomain(tx, group.id(), target);
    }

    /** iommu_paging_domain_alloc for a device (scenario op iommu.domain_alloc). */
    public static Outcome<Reply> allocate(Tx tx, DeviceId device, String label) {
        Optional<GroupState> group = tx.state().groupOf(device);
        Optional<String> iommu = tx.state().spec(device).iommu();
        if (group.isEmpty() || iommu.isEmpty()) {
            return fail(Errno.ENODEV, device + " is not behind an IOMMU");
        }
        DomainId id = tx.nextDomainId();
        IommuSpec spec = tx.state().topology().iommus().get(iommu.get());
        tx.emit(new DomainAllocated(new DomainState(
                id,
                label,
                DomainKind.PAGING,
                iommu.get(),
                new DomainUse.KernelCaller(IommuDomainMappings.empty(spec.pageSizeBitmap(), spec.addressWidth())))));
        return Results.ok(new Reply.Created(new Handle.Domain(id)));
    }

    /** iommu_domain_free. Freeing a domain a group still uses is a use-after-free: refused (docs/decisions.md). */
    public static Outcome<Reply> free(Tx tx, DomainId id) {
        if (!tx.state().domains().containsKey(id)) {
            return fail(Errno.ENOENT, id + " was already freed");
        }
        DomainState domain = tx.state().domain(id);
        if (!(domain.use() instanceof DomainUse.KernelCaller)) {
            return warn("domain " + domain.label() + " is not the caller's to free");
        }
        Optional<GroupState> user = tx.state().groupsOn(id).stream().findFirst();
        if (user.isPresent() && !tx.mutated(Mutant.FREE_ATTACHED_DOMAIN)) {
            return warn("domain " + domain.label() + " is still attached to group "
                    + user.get().id() + " (use-after-free): not freed");
        }
        tx.emit(new DomainFreed(id));
        return OK;
    }

    /** iommu_attach_device: single-device groups only. */
    public static Outcome<Reply> attachDevice(Tx tx, DomainId domain, DeviceId device) {
        Optional<GroupState> group = tx.state().groupOf(device);
        if (group.isEmpty()) {
            return fail(Errno.ENODEV, device + " has no IOMMU group");
        }
        if (group.get().devices().size() != 1) {
            return fail(
                    Errno.EINVAL,
                    "group " + group.get().id() + " has "
                            + group.get().devices().size() + " devices; iommu_attach_device needs exactly 1");
        }
        return attachGroup(tx, group.get(), domain);
    }

    /** iommu_detach_device. */
    public static Outcome<Reply> detachDevice(Tx tx, DomainId domain, DeviceId device) {
        Optional<GroupState> group = tx.state().groupOf(device);
        if (group.isEmpty()) {
            return warn(device + " has no IOMMU group");
        }
        if (!group.get().domain().equals(domain) || group.get().devices().size() != 1) {
            return warn("group " + group.get().id() + " is not attached to " + Describe.domain(tx.state(), domain)
                    + " as a single-device group (it uses "
                    + Describe.domainOf(tx.state(), group.get(), group.get().domain()) + ")");
        }
        setCoreDomain(tx, group.get().id());
        return OK;
    }

    /** iommu_attach_group. */
    public static Outcome<Reply> attachGroupOp(Tx tx, DomainId domain, GroupState group) {
        return attachGroup(tx, group, domain);
    }

    /** iommu_detach_group: the domain argument is ignored. */
    public static Outcome<Reply> detachGroupOp(Tx tx, GroupState group) {
        setCoreDomain(tx, group.id());
        return OK;
    }

    /** iommu_group_replace_domain: no busy or owner check, the caller owns the group. */
    public static Outcome<Reply> replace(Tx tx, GroupState group, Optional<DomainId> domain) {
        if (domain.isEmpty()) {
            return fail(Errno.EINVAL, "replace with a NULL domain");
        }
        return setDomain(tx, group.id(), domain.get());
    }
}
