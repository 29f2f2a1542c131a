package dev.custody.rules;

import static dev.custody.rules.Results.OK;
import static dev.custody.rules.Results.fail;

import dev.custody.model.DomainId;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.Outcome;
import dev.custody.model.ProcessCapability;
import dev.custody.model.Reply;
import dev.custody.model.event.DomainEvent.DomainAllocated;
import dev.custody.model.event.DomainEvent.DomainFreed;
import dev.custody.model.event.DomainEvent.DomainKindSet;
import dev.custody.model.event.GroupEvent.DefaultDomainSet;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** /sys/kernel/iommu_groups/N/type and the read-only group view (docs/kernel-rules.md, sysfs group type). */
public final class SysfsRules {
    private SysfsRules() {}

    private static final Map<String, DomainKind> WRITABLE_TYPES = Map.of(
            "identity",
            DomainKind.IDENTITY,
            "DMA",
            DomainKind.DMA,
            "DMA-FQ",
            DomainKind.DMA_FQ,
            "auto",
            DomainKind.DMA); // auto: the IOMMU's own default, DMA in this model

    /** iommu_group_store_type (>= 6.4). */
    public static Outcome<Reply> storeType(Tx tx, GroupId groupId, String value, Set<ProcessCapability> caps) {
        if (!caps.contains(ProcessCapability.SYS_ADMIN) || !caps.contains(ProcessCapability.SYS_RAWIO)) {
            return fail(Errno.EACCES, "writing the group type needs CAP_SYS_ADMIN and CAP_SYS_RAWIO");
        }
        Optional<GroupState> found = tx.state().group(groupId);
        if (found.isEmpty()) {
            return fail(Errno.EINVAL, "group " + groupId + " has no default domain");
        }
        DomainKind wanted = WRITABLE_TYPES.get(value);
        if (wanted == null) {
            return fail(Errno.EINVAL, "unknown group type \"" + value + "\"");
        }
        GroupState group = found.get();
        DomainState current = tx.state().domain(group.defaultDomain());
        if (value.equals("DMA-FQ") && current.kind() == DomainKind.DMA) {
            tx.emit(new DomainKindSet(current.id(), DomainKind.DMA_FQ)); // a flush queue needs no new domain
            return OK;
        }
        if (group.devices().isEmpty() || group.ownerCnt() != 0) {
            return fail(Errno.EPERM, "group " + groupId + " has " + Describe.holders(tx.state(), group));
        }
        if (current.kind() == wanted) {
            return OK;
        }
        DomainId replacement = tx.nextDomainId();
        tx.emit(new DomainAllocated(
                new DomainState(replacement, "default", wanted, current.iommu(), new DomainUse.GroupCore(groupId))));
        tx.emit(new DefaultDomainSet(groupId, replacement));
        if (group.domain().equals(current.id())) {
            DomainRules.setDomainNoFail(tx, groupId, replacement);
        }
        tx.emit(new DomainFreed(current.id()));
        return OK;
    }

    /** The `state` op: owner, count, domain, default type and devices with their drivers. */
    public static Outcome<Reply> view(KernelState state, GroupId groupId) {
        Optional<GroupState> found = state.group(groupId);
        if (found.isEmpty()) {
            return Outcome.ok(new Reply.GroupView(
                    groupId, 0, Optional.empty(), Optional.empty(), Optional.empty(), java.util.List.of()));
        }
        GroupState group = found.get();
        return Outcome.ok(new Reply.GroupView(
                groupId,
                group.ownerCnt(),
                group.owner().map(o -> o.label()),
                Optional.of(Describe.domainOf(state, group, group.domain())),
                Optional.of(state.domain(group.defaultDomain()).kind().sysfsName()),
                group.devices().stream()
                        .map(d -> new Reply.DeviceDriver(d.name(), sysfsDriver(state, d)))
                        .toList()));
    }

    /**
     * The driver link sysfs shows. An unbind blocked in the driver's remove (vfio-pci waiting for
     * its fds) has already removed the link (driver_sysfs_remove runs before device_remove), although
     * the device still holds the driver until remove returns; checked on 6.12 with `custody oracle`.
     */
    private static Optional<String> sysfsDriver(KernelState state, dev.custody.model.DeviceId device) {
        return state.device(device).pending().isPresent()
                ? Optional.empty()
                : state.device(device).driver();
    }
}
