package dev.custody.model;

import dev.custody.model.Reply.Amount;
import dev.custody.model.Reply.Attached;
import dev.custody.model.Reply.Bound;
import dev.custody.model.Reply.Created;
import dev.custody.model.Reply.GroupView;
import dev.custody.model.Reply.HwInfo;
import dev.custody.model.Reply.IovaRanges;
import dev.custody.model.Reply.None;
import dev.custody.model.Reply.Probed;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One kernel operation a caller asks for, typed by the reply it gets when it succeeds. Each has one
 * entry in the operation catalogue ({@code dev.custody.ops.Operations}), which gives its scenario
 * name, its arguments both ways, the rule that decides it and how the oracle's guest agent performs it.
 */
public sealed interface Command<R extends Reply> {

    // driver core: sysfs bind/unbind/driver_override/drivers_probe, hot-plug, probe fault injection
    record DeviceAdd(DeviceId device) implements Command<None> {}

    record DeviceRemove(DeviceId device) implements Command<None> {}

    record DriverBind(DeviceId device, String driver) implements Command<None> {}

    record DriverUnbind(DeviceId device) implements Command<None> {}

    record DriverOverride(DeviceId device, Optional<String> driver) implements Command<None> {}

    record DriverProbe(DeviceId device) implements Command<Probed> {}

    /** A write of {@code id} ("vendor device [...]", hex) to the driver's new_id file. */
    record DriverNewId(String driver, String id) implements Command<None> {}

    /** A write of {@code id} ("vendor device [...]", hex) to the driver's remove_id file. */
    record DriverRemoveId(String driver, String id) implements Command<None> {}

    record FailNextProbe(DeviceId device, Errno errno) implements Command<None> {}

    // the IOMMU core as in-kernel code calls it
    record UseDefaultDomain(DeviceId device) implements Command<None> {}

    record UnuseDefaultDomain(DeviceId device) implements Command<None> {}

    record GroupClaim(GroupId group, Optional<String> owner) implements Command<None> {}

    record GroupRelease(GroupId group) implements Command<None> {}

    record DeviceClaim(DeviceId device, Optional<String> owner) implements Command<None> {}

    record DeviceRelease(DeviceId device) implements Command<None> {}

    record DomainAlloc(DeviceId device, String label) implements Command<Created> {}

    record DomainFree(Handle domain) implements Command<None> {}

    record AttachDevice(Handle domain, DeviceId device) implements Command<None> {}

    record DetachDevice(Handle domain, DeviceId device) implements Command<None> {}

    record AttachGroup(Handle domain, GroupId group) implements Command<None> {}

    record DetachGroup(Handle domain, GroupId group) implements Command<None> {}

    record ReplaceDomain(GroupId group, Optional<Handle> domain) implements Command<None> {}

    record AttachShared(Handle domain, DeviceId device) implements Command<None> {}

    record DetachShared(Handle domain, DeviceId device) implements Command<None> {}

    // the VFIO group and container path
    record ContainerOpen(String label) implements Command<Created> {}

    record ContainerSetIommu(Handle fd, IommuType type) implements Command<None> {}
    /** VFIO_CHECK_EXTENSION: whether the container (or an iommufd's VFIO compat layer) offers the IOMMU model. */
    record ContainerCheckExtension(Handle fd, IommuType type) implements Command<Amount> {}

    record GroupOpen(GroupId group, String label) implements Command<Created> {}

    record GroupStatus(Handle fd) implements Command<Reply.GroupStatus> {}

    record SetContainer(Handle fd, Handle container) implements Command<None> {}

    record UnsetContainer(Handle fd) implements Command<None> {}

    record GetDeviceFd(Handle fd, DeviceId device, String label) implements Command<Created> {}
    /** close(2) of any fd: group, container, device, cdev, iommufd. */
    record Close(Handle fd) implements Command<None> {}

    // iommufd and the VFIO cdev path
    record IommufdOpen(String label) implements Command<Created> {}

    record CdevOpen(DeviceId device, String label) implements Command<Created> {}

    record CdevBind(Handle fd, Handle iommufd) implements Command<Bound> {}

    record CdevAttach(Handle fd, Handle pt, Optional<String> label) implements Command<Attached> {}

    record CdevDetach(Handle fd) implements Command<None> {}

    record IoasAlloc(Handle iommufd, String label) implements Command<Created> {}

    record HwptAlloc(Handle iommufd, Handle device, Handle pt, String label, Set<HwptAllocFlag> flags)
            implements Command<Created> {
        public HwptAlloc {
            flags = Set.copyOf(flags);
        }

        /** IOMMU_HWPT_ALLOC with no flags. */
        public HwptAlloc(Handle iommufd, Handle device, Handle pt, String label) {
            this(iommufd, device, pt, label, Set.of());
        }
    }

    /**
     * IOMMU_GET_HW_INFO on a device id of an iommufd: {@code flags} and {@code reserved} as the uapi
     * fields (6.12 defines no flag), a buffer of {@code dataLength} bytes.
     */
    record GetHwInfo(Handle iommufd, Handle device, long flags, long reserved, long dataLength)
            implements Command<HwInfo> {}

    /**
     * IOMMU_OPTION: {@code option} and {@code op} as the uapi numbers (RLIMIT_MODE 0, HUGE_PAGES 1; SET 0,
     * GET 1), {@code object} the object_id (the number 0 for none), {@code reserved} the uapi field, made
     * by a process holding {@code capabilities}.
     */
    record IommuOption(
            Handle iommufd,
            long option,
            long op,
            Handle object,
            long val64,
            long reserved,
            Set<ProcessCapability> capabilities)
            implements Command<Amount> {
        public IommuOption {
            capabilities = Set.copyOf(capabilities);
        }
    }

    /**
     * IOMMU_HWPT_SET_DIRTY_TRACKING on a HWPT id of an iommufd: {@code flags} the uapi word (bit 0
     * ENABLE, see {@link DirtyTrackingFlag}), {@code reserved} the uapi's 32-bit __reserved.
     */
    record HwptSetDirtyTracking(Handle iommufd, Handle hwpt, int flags, long reserved) implements Command<None> {}

    /**
     * IOMMU_HWPT_GET_DIRTY_BITMAP on a HWPT id of an iommufd: {@code flags} the uapi word (bit 0
     * NO_CLEAR, see {@link DirtyBitmapFlag}), {@code reserved} the uapi's 32-bit __reserved, and the
     * range [{@code iova}, {@code iova + length}) read in pieces of {@code pageSize} bytes, one bit each.
     */
    record HwptGetDirtyBitmap(
            Handle iommufd, Handle hwpt, int flags, long reserved, long iova, long length, long pageSize)
            implements Command<None> {}

    record Destroy(Handle iommufd, Handle id) implements Command<None> {}

    // map/unmap: iommu_map on a caller's domain, type1 on a container, the IOAS of iommufd
    record IommuMap(Handle domain, long iova, long paddr, long size, boolean read, boolean write)
            implements Command<Amount> {}

    record IommuUnmap(Handle domain, long iova, long size) implements Command<Amount> {}

    record IovaToPhys(Handle domain, long iova) implements Command<Amount> {}

    record Type1MapDma(Handle container, long iova, long vaddr, long size, Set<Type1MapFlag> flags)
            implements Command<None> {
        public Type1MapDma {
            flags = Set.copyOf(flags);
        }
    }

    record Type1UnmapDma(Handle container, long iova, long size, boolean all) implements Command<Amount> {}

    /**
     * IOMMU_IOAS_MAP. Without {@code flagWord}, the flags by name: an {@code iova} given maps exactly
     * there, one left out lets the IOAS choose (FIXED_IOVA without one maps at 0). With it, the call as
     * the uapi spells it: the flag word as the caller passed it, bits the kernel does not know
     * included, and {@code iova} the struct's field (0 when left out), which only FIXED_IOVA makes the
     * address; {@code flags} is then the word's named bits.
     */
    record IoasMap(Handle ioas, OptionalLong iova, long length, Set<IoasMapFlag> flags, OptionalInt flagWord)
            implements Command<Amount> {
        public IoasMap {
            flags = flagWord.isPresent() ? Set.copyOf(IoasMapFlag.named(flagWord.getAsInt())) : Set.copyOf(flags);
        }

        /** The named form. */
        public IoasMap(Handle ioas, OptionalLong iova, long length, Set<IoasMapFlag> flags) {
            this(ioas, iova, length, flags, OptionalInt.empty());
        }

        /** The uapi form: {@code flagWord} as is, {@code iova} the struct's field. */
        public static IoasMap raw(Handle ioas, long iova, long length, int flagWord) {
            return new IoasMap(ioas, OptionalLong.of(iova), length, Set.of(), OptionalInt.of(flagWord));
        }
    }

    record IoasUnmap(Handle ioas, long iova, long length) implements Command<Amount> {}

    /** IOMMU_IOAS_COPY: {@code length} bytes at {@code srcIova} of {@code src} into {@code dst} (FIXED_IOVA when dstIova is present). */
    record IoasCopy(Handle src, long srcIova, Handle dst, OptionalLong dstIova, long length, Set<IoasMapFlag> flags)
            implements Command<Amount> {
        public IoasCopy {
            flags = Set.copyOf(flags);
        }
    }

    record IoasIovaRanges(Handle ioas, long capacity) implements Command<IovaRanges> {}
    /** Each range is {@code [start, last]}, both inclusive. */
    record IoasAllowIovas(Handle ioas, List<IovaSpan> ranges) implements Command<None> {
        public IoasAllowIovas {
            ranges = List.copyOf(ranges);
        }
    }

    // the hot reset of a VFIO PCI device's bus or slot
    /** VFIO_DEVICE_GET_PCI_HOT_RESET_INFO on a device fd, with room for {@code capacity} entries. */
    record PciHotResetInfo(Handle fd, long capacity) implements Command<Reply.HotResetInfo> {}

    /**
     * VFIO_DEVICE_PCI_HOT_RESET on a device fd: {@code groups} are the group fds of the legacy form,
     * none for the iommufd form of a cdev; {@code flags} must be 0.
     */
    record PciHotReset(Handle fd, List<Handle> groups, long flags) implements Command<None> {
        public PciHotReset {
            groups = List.copyOf(groups);
        }
    }

    // sysfs
    record SysfsGroupType(GroupId group, String value, Set<ProcessCapability> capabilities) implements Command<None> {
        public SysfsGroupType {
            capabilities = Set.copyOf(capabilities);
        }
    }
    /** Reads one group as sysfs shows it; changes nothing. */
    record QueryGroup(GroupId group) implements Command<GroupView> {}
}
