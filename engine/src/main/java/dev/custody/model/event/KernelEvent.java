package dev.custody.model.event;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.Errno;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.ObjectId;
import dev.custody.model.OwnerId;
import dev.custody.model.state.Claimant;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import dev.custody.model.state.PendingRelease;
import dev.custody.rules.mapping.IovaRange;
import dev.custody.rules.mapping.Type1DmaSpace;
import java.util.List;
import java.util.Optional;

/**
 * A fact the rules decided. State changes only by applying these ({@code KernelState.apply}); each
 * concerns one kernel object, which is what lets each object become its own journaled actor.
 */
public sealed interface KernelEvent {

    // --- driver core (spec 3) ---
    record DeviceAdded(DeviceId device) implements KernelEvent {}
    record DeviceRemoved(DeviceId device) implements KernelEvent {}
    record DriverBound(DeviceId device, String driver) implements KernelEvent {}
    record DriverUnbound(DeviceId device) implements KernelEvent {}
    record DriverOverrideSet(DeviceId device, Optional<String> driver) implements KernelEvent {}
    record ProbeFailureArmed(DeviceId device, Errno errno) implements KernelEvent {}
    record ProbeFailureConsumed(DeviceId device) implements KernelEvent {}
    record ReleaseBlocked(DeviceId device, PendingRelease what) implements KernelEvent {}

    // --- IOMMU group (spec 1, 2) ---
    record GroupCreated(GroupId group, DomainId defaultDomain) implements KernelEvent {}
    record GroupDestroyed(GroupId group) implements KernelEvent {}
    record DeviceJoinedGroup(GroupId group, DeviceId device) implements KernelEvent {}
    record DeviceLeftGroup(GroupId group, DeviceId device) implements KernelEvent {}
    /** owner_cnt++: a kernel DMA user (owner NULL) or one more claim by the current owner. */
    record ClaimAdded(GroupId group, Claimant claimant) implements KernelEvent {}
    /** owner_cnt--. */
    record ClaimDropped(GroupId group, Claimant claimant) implements KernelEvent {}
    /** owner = owner, owner_cnt = 1 (spec 2.3 step 3). */
    record OwnershipTaken(GroupId group, OwnerId owner, Claimant claimant) implements KernelEvent {}
    /** owner = NULL, owner_cnt = 0 (spec 2.4). */
    record OwnershipReleased(GroupId group) implements KernelEvent {}
    record BlockingDomainSet(GroupId group, DomainId domain) implements KernelEvent {}
    record DefaultDomainSet(GroupId group, DomainId domain) implements KernelEvent {}
    /** group->domain = domain: every device of the group now translates through it. */
    record GroupDomainSet(GroupId group, DomainId domain) implements KernelEvent {}

    // --- domains ---
    record DomainAllocated(DomainState domain) implements KernelEvent {}
    record DomainFreed(DomainId domain) implements KernelEvent {}
    record DomainKindSet(DomainId domain, DomainKind kind) implements KernelEvent {}

    // --- files of user space (spec 4, 5) ---
    record FileOpened(OpenFile file) implements KernelEvent {}
    record FdClosed(FileId file) implements KernelEvent {}
    /** The last reference went: the file object is gone. */
    record FileReleased(FileId file) implements KernelEvent {}
    record GroupFileContainerSet(FileId groupFile, Optional<FileId> container) implements KernelEvent {}
    record GroupFileIommufdSet(FileId groupFile, Optional<FileId> iommufd) implements KernelEvent {}
    /** The group's last VFIO device went away while the file was open: ioctls now answer ENODEV. */
    record GroupFileDetached(FileId groupFile) implements KernelEvent {}
    /** SET_IOMMU installed the type1 driver with an empty vfio_dma list; empty when it was released. */
    record ContainerIommuDriverSet(FileId container, Optional<Type1DmaSpace> iommu) implements KernelEvent {}
    record ContainerDomainSet(FileId container, String iommu, Optional<DomainId> domain) implements KernelEvent {}
    record CdevBindingSet(FileId cdev, Optional<OpenFile.IommufdRef> binding) implements KernelEvent {}
    record IommufdObjectAdded(FileId iommufd, IommufdObject object) implements KernelEvent {}
    record IommufdObjectRemoved(FileId iommufd, ObjectId object) implements KernelEvent {}
    record IommufdDeviceAttached(FileId iommufd, ObjectId device, Optional<ObjectId> hwpt) implements KernelEvent {}
    record CompatIoasSet(FileId iommufd, ObjectId ioas) implements KernelEvent {}

    // --- mappings: each is replayed through the same pure bookkeeping that decided it ---
    record DomainMapped(DomainId domain, long iova, long paddr, long size, boolean read, boolean write) implements KernelEvent {}
    record DomainUnmapped(DomainId domain, long iova, long size) implements KernelEvent {}
    /** The container's groups changed: type1 recomputed its page size and valid IOVA ranges. */
    record Type1GeometrySet(FileId container, long pageSize, List<IovaRange> validRanges) implements KernelEvent {}
    record Type1Mapped(FileId container, long iova, long vaddr, long size, boolean read, boolean write) implements KernelEvent {}
    record Type1Unmapped(FileId container, long iova, long size, boolean all) implements KernelEvent {}
    record IoasMapped(FileId iommufd, ObjectId ioas, long iova, long length, boolean read, boolean write) implements KernelEvent {}
    /** {@code compat}: through the VFIO compat ioctl, whose range checks differ (spec 5). */
    record IoasUnmapped(FileId iommufd, ObjectId ioas, long iova, long length, boolean compat) implements KernelEvent {}
    record IoasAllowed(FileId iommufd, ObjectId ioas, List<IovaRange> ranges) implements KernelEvent {}
    record IoasReserved(FileId iommufd, ObjectId ioas, String owner, List<IovaRange> ranges) implements KernelEvent {}
    record IoasUnreserved(FileId iommufd, ObjectId ioas, String owner) implements KernelEvent {}
    record IoasAlignmentSet(FileId iommufd, ObjectId ioas, long alignment) implements KernelEvent {}
}
