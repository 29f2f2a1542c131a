package dev.custody.model.event;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.GroupId;
import dev.custody.model.OwnerId;
import dev.custody.model.state.Claimant;

/** A fact about one IOMMU group (struct iommu_group); the group is named by {@link #group()}. */
public sealed interface GroupEvent extends KernelEvent {

    GroupId group();

    @Override
    default GroupId subject() {
        return group();
    }

    record GroupCreated(GroupId group, DomainId defaultDomain) implements GroupEvent {}

    record GroupDestroyed(GroupId group) implements GroupEvent {}

    record DeviceJoinedGroup(GroupId group, DeviceId device) implements GroupEvent {}

    record DeviceLeftGroup(GroupId group, DeviceId device) implements GroupEvent {}
    /** owner_cnt++: a kernel DMA user (owner NULL) or one more claim by the current owner. */
    record ClaimAdded(GroupId group, Claimant claimant) implements GroupEvent {}
    /** owner_cnt--. */
    record ClaimDropped(GroupId group, Claimant claimant) implements GroupEvent {}
    /** owner = owner, owner_cnt = 1 (__iommu_take_dma_ownership). */
    record OwnershipTaken(GroupId group, OwnerId owner, Claimant claimant) implements GroupEvent {}
    /** owner = NULL, owner_cnt = 0 (__iommu_release_dma_ownership). */
    record OwnershipReleased(GroupId group) implements GroupEvent {}

    record BlockingDomainSet(GroupId group, DomainId domain) implements GroupEvent {}

    record DefaultDomainSet(GroupId group, DomainId domain) implements GroupEvent {}
    /** group->domain = domain: every device of the group now translates through it. */
    record GroupDomainSet(GroupId group, DomainId domain) implements GroupEvent {}
}
