package dev.custody.model;

import java.util.Optional;
import java.util.Set;

/** One kernel operation a caller asks for; the scenario ops map onto these one to one. */
public sealed interface Command {

    // driver core (spec 3)
    record DeviceAdd(DeviceId device) implements Command {}
    record DeviceRemove(DeviceId device) implements Command {}
    record DriverBind(DeviceId device, String driver) implements Command {}
    record DriverUnbind(DeviceId device) implements Command {}
    record DriverOverride(DeviceId device, Optional<String> driver) implements Command {}
    record DriverProbe(DeviceId device) implements Command {}
    record FailNextProbe(DeviceId device, Errno errno) implements Command {}

    // IOMMU core as called by in-kernel code (spec 2)
    record UseDefaultDomain(DeviceId device) implements Command {}
    record UnuseDefaultDomain(DeviceId device) implements Command {}
    record GroupClaim(GroupId group, Optional<String> owner) implements Command {}
    record GroupRelease(GroupId group) implements Command {}
    record DeviceClaim(DeviceId device, Optional<String> owner) implements Command {}
    record DeviceRelease(DeviceId device) implements Command {}
    record DomainAlloc(DeviceId device, String label) implements Command {}
    record DomainFree(Handle domain) implements Command {}
    record AttachDevice(Handle domain, DeviceId device) implements Command {}
    record DetachDevice(Handle domain, DeviceId device) implements Command {}
    record AttachGroup(Handle domain, GroupId group) implements Command {}
    record DetachGroup(Handle domain, GroupId group) implements Command {}
    record ReplaceDomain(GroupId group, Optional<Handle> domain) implements Command {}
    record AttachShared(Handle domain, DeviceId device) implements Command {}
    record DetachShared(Handle domain, DeviceId device) implements Command {}

    // VFIO group and container path (spec 4)
    record ContainerOpen(String label) implements Command {}
    record ContainerSetIommu(Handle fd, String type) implements Command {}
    record GroupOpen(GroupId group, String label) implements Command {}
    record GroupStatus(Handle fd) implements Command {}
    record SetContainer(Handle fd, Handle container) implements Command {}
    record UnsetContainer(Handle fd) implements Command {}
    record GetDeviceFd(Handle fd, DeviceId device, String label) implements Command {}
    /** close(2) of any fd: group, container, device, cdev, iommufd. */
    record Close(Handle fd) implements Command {}

    // iommufd and VFIO cdev path (spec 5)
    record IommufdOpen(String label) implements Command {}
    record CdevOpen(DeviceId device, String label) implements Command {}
    record CdevBind(Handle fd, Handle iommufd) implements Command {}
    record CdevAttach(Handle fd, Handle pt, Optional<String> label) implements Command {}
    record CdevDetach(Handle fd) implements Command {}
    record IoasAlloc(Handle iommufd, String label) implements Command {}
    record HwptAlloc(Handle iommufd, Handle device, Handle pt, String label) implements Command {}
    record Destroy(Handle iommufd, Handle id) implements Command {}

    // map/unmap bookkeeping (spec 2 iommu_map, spec 4 type1, spec 5 IOAS)
    record IommuMap(Handle domain, long iova, long paddr, long size, boolean read, boolean write) implements Command {}
    record IommuUnmap(Handle domain, long iova, long size) implements Command {}
    record IovaToPhys(Handle domain, long iova) implements Command {}
    record Type1MapDma(Handle container, long iova, long vaddr, long size, Set<String> flags) implements Command {}
    record Type1UnmapDma(Handle container, long iova, long size, boolean all) implements Command {}
    record IoasMap(Handle ioas, java.util.OptionalLong iova, long length, Set<String> flags) implements Command {}
    record IoasUnmap(Handle ioas, long iova, long length) implements Command {}
    record IoasIovaRanges(Handle ioas, long capacity) implements Command {}
    record IoasAllowIovas(Handle ioas, java.util.List<long[]> ranges) implements Command {}

    // sysfs (spec 6)
    record SysfsGroupType(GroupId group, String value, Set<String> capabilities) implements Command {}
    record QueryGroup(GroupId group) implements Command {}
}
