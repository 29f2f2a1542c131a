package dev.custody.model.state;

import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DomainId;
import dev.custody.model.DriverName;
import dev.custody.model.DynamicId;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.Topology;
import dev.custody.model.event.KernelEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.stream.Stream;

/**
 * The whole modelled kernel: the static topology plus every device, group, domain and open file.
 * Immutable; {@link #apply} is the only way to a new state, which is what makes it event-sourced.
 *
 * <p>Its maps are persistent ({@link PersistentSortedMap}): applying an event copies one path of the
 * map it changes and shares everything else with the state before, so a step costs O(log n) in the
 * size of the host and every earlier state stays valid. The groups are indexed by the domains they
 * use and the domains by the group whose core domain they are, so that "who uses this domain" is a
 * lookup ({@link #groupsOn}, {@link #groupsReferencing}, {@link #coreDomainsOf}), not a scan.
 */
public record KernelState(
        Topology topology,
        SortedMap<DeviceId, DeviceState> devices,
        SortedMap<GroupId, GroupState> groups,
        SortedMap<DomainId, DomainState> domains,
        SortedMap<FileId, OpenFile> files,
        int nextDomain,
        int nextFile,
        SortedMap<DriverName, List<DynamicId>> dynamicIds) {

    /** A group is filed under its domain, its default domain and its blocking domain. */
    private static final PersistentSortedMap.Index<GroupState, DomainId> GROUPS_BY_DOMAIN =
            new PersistentSortedMap.Index<>(g -> g.blockingDomain().isEmpty()
                    ? List.of(g.domain(), g.defaultDomain())
                    : List.of(g.domain(), g.defaultDomain(), g.blockingDomain().get()));

    /** A group's default or blocking domain is filed under its group. */
    private static final PersistentSortedMap.Index<DomainState, GroupId> CORE_DOMAINS_BY_GROUP =
            new PersistentSortedMap.Index<>(
                    d -> d.use() instanceof DomainUse.GroupCore core ? List.of(core.group()) : List.of());

    /** Any maps are taken (copied once into persistent maps, indexed); the state's own are kept as they are. */
    public KernelState {
        devices = PersistentSortedMap.copyOf(devices);
        groups = PersistentSortedMap.copyOf(groups).indexedBy(GROUPS_BY_DOMAIN);
        domains = PersistentSortedMap.copyOf(domains).indexedBy(CORE_DOMAINS_BY_GROUP);
        files = PersistentSortedMap.copyOf(files);
        dynamicIds = dynamicIds == null ? Sorted.emptyMap() : PersistentSortedMap.copyOf(dynamicIds);
    }

    /** A state whose drivers have no dynamic ids, as every state before new_id was modelled. */
    public KernelState(
            Topology topology,
            SortedMap<DeviceId, DeviceState> devices,
            SortedMap<GroupId, GroupState> groups,
            SortedMap<DomainId, DomainState> domains,
            SortedMap<FileId, OpenFile> files,
            int nextDomain,
            int nextFile) {
        this(topology, devices, groups, domains, files, nextDomain, nextFile, Sorted.emptyMap());
    }

    /** The driver's dynamic ids, oldest first (pci_driver's dynids list). */
    public List<DynamicId> dynamicIds(String driver) {
        return dynamicIds.getOrDefault(new DriverName(driver), List.of());
    }

    /** All devices absent and unbound; the boot sequence (adds, boot drivers) runs as rules on top. */
    public static KernelState empty(Topology topology) {
        Map<DeviceId, DeviceState> devices = new LinkedHashMap<>();
        topology.devices().keySet().forEach(id -> devices.put(id, DeviceState.absent(id)));
        return new KernelState(
                topology, Sorted.map(devices), Sorted.emptyMap(), Sorted.emptyMap(), Sorted.emptyMap(), 1, 3);
    }

    public KernelState apply(KernelEvent event) {
        return StateEvolution.apply(this, event);
    }

    public KernelState applyAll(List<KernelEvent> events) {
        KernelState state = this;
        for (KernelEvent event : events) {
            state = state.apply(event);
        }
        return state;
    }

    // --- lookups ---

    public DeviceState device(DeviceId id) {
        DeviceState device = devices.get(id);
        if (device == null) {
            throw new IllegalArgumentException("unknown device " + id);
        }
        return device;
    }

    public DeviceSpec spec(DeviceId id) {
        return topology.device(id);
    }

    /** The device's group while it is present (dev->iommu_group); empty for a device without IOMMU. */
    public Optional<GroupState> groupOf(DeviceId id) {
        if (!device(id).present()) {
            return Optional.empty();
        }
        return spec(id).group().map(groups::get);
    }

    public Optional<GroupState> group(GroupId id) {
        return Optional.ofNullable(groups.get(id));
    }

    public DomainState domain(DomainId id) {
        DomainState domain = domains.get(id);
        if (domain == null) {
            throw new IllegalStateException("unknown domain " + id);
        }
        return domain;
    }

    /** The group at {@code position} in group order (0 is the lowest group number), in O(log n). */
    public GroupState groupAt(int position) {
        return ((PersistentSortedMap<GroupId, GroupState>) groups)
                .entryAt(position)
                .getValue();
    }

    /** The groups that translate through {@code domain} now (group->domain), in group order. */
    public List<GroupState> groupsOn(DomainId domain) {
        return groupsReferencing(domain).stream()
                .filter(g -> g.domain().equals(domain))
                .toList();
    }

    /** The groups whose domain, default domain or blocking domain is {@code domain}, in group order. */
    public List<GroupState> groupsReferencing(DomainId domain) {
        SortedSet<GroupId> ids = ((PersistentSortedMap<GroupId, GroupState>) groups).keysUnder(domain);
        List<GroupState> found = new ArrayList<>(ids.size());
        ids.forEach(id -> found.add(groups.get(id)));
        return found;
    }

    /** The domains allocated as the group's default or blocking domain ({@link DomainUse.GroupCore}), in domain order. */
    public List<DomainState> coreDomainsOf(GroupId group) {
        SortedSet<DomainId> ids = ((PersistentSortedMap<DomainId, DomainState>) domains).keysUnder(group);
        List<DomainState> found = new ArrayList<>(ids.size());
        ids.forEach(id -> found.add(domains.get(id)));
        return found;
    }

    public Optional<OpenFile> file(FileId id) {
        return Optional.ofNullable(files.get(id));
    }

    public <F extends OpenFile> Stream<F> filesOf(Class<F> kind) {
        return files.values().stream().filter(kind::isInstance).map(kind::cast);
    }

    /** The IOMMU instance name of a group (all devices of a group sit behind one IOMMU). */
    public String iommuOf(GroupState group) {
        return group.devices().stream()
                .findFirst()
                .flatMap(d -> spec(d).iommu())
                .orElseThrow(() -> new IllegalStateException("group " + group.id() + " has no device"));
    }

    public boolean boundToVfio(DeviceId id) {
        DeviceState device = device(id);
        return device.present()
                && device.driver().flatMap(topology::driver).map(d -> d.vfio()).orElse(false);
    }

    /** Devices of the group that are registered with VFIO (bound to a VFIO driver). */
    public List<DeviceId> vfioDevicesOf(GroupId group) {
        return group(group)
                .map(g -> g.devices().stream().filter(this::boundToVfio).toList())
                .orElse(List.of());
    }

    /*
     * The queries over open files below walk the files in a loop rather than a stream: they run in
     * nearly every decision (a release, an unbind, a close), and for the few dozen files of a host a
     * stream's set-up cost more than the walk (bench journal's model row).
     */

    /** The live /dev/vfio/N file of a group: vfio_group->opened_file (invariant V1). */
    public Optional<OpenFile.VfioGroupFile> openedGroupFile(GroupId group) {
        for (OpenFile file : files.values()) {
            if (file instanceof OpenFile.VfioGroupFile groupFile && names(groupFile.group(), group)) {
                return Optional.of(groupFile);
            }
        }
        return Optional.empty();
    }

    /** Device fds of the group path that reference this group file (each pins the file). */
    public List<OpenFile.VfioDeviceFile> deviceFilesOf(FileId groupFile) {
        List<OpenFile.VfioDeviceFile> found = new ArrayList<>();
        for (OpenFile file : files.values()) {
            if (file instanceof OpenFile.VfioDeviceFile device
                    && device.groupFile().equals(groupFile)) {
                found.add(device);
            }
        }
        return found;
    }

    /** Group files attached to a container (container->group_list). */
    public List<OpenFile.VfioGroupFile> groupFilesIn(FileId container) {
        List<OpenFile.VfioGroupFile> found = new ArrayList<>();
        for (OpenFile file : files.values()) {
            if (file instanceof OpenFile.VfioGroupFile group && names(group.container(), container)) {
                found.add(group);
            }
        }
        return found;
    }

    /** cdev_device_open_cnt of a group: its devices bound through a VFIO cdev (invariant V2). */
    public long cdevBoundCount(GroupId group) {
        long count = 0;
        for (OpenFile file : files.values()) {
            if (file instanceof OpenFile.CdevFile cdev
                    && cdev.binding().isPresent()
                    && names(spec(cdev.device()).group(), group)) {
                count++;
            }
        }
        return count;
    }

    /** Every VFIO fd that keeps a device's vfio registration busy (device fds and cdevs, bound or not). */
    public long vfioFdsOf(DeviceId device) {
        long count = 0;
        for (OpenFile file : files.values()) {
            boolean holds = switch (file) {
                case OpenFile.VfioDeviceFile deviceFile -> deviceFile.device().equals(device);
                case OpenFile.CdevFile cdev -> cdev.device().equals(device);
                default -> false;
            };
            if (holds) {
                count++;
            }
        }
        return count;
    }

    /** Whether a device fd of the group path is open on the device (vfio_device->open_count through a group). */
    public boolean openThroughGroupPath(DeviceId device) {
        for (OpenFile file : files.values()) {
            if (file instanceof OpenFile.VfioDeviceFile deviceFile
                    && deviceFile.device().equals(device)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a cdev other than {@code except} has the device bound to an iommufd. */
    public boolean boundThroughAnotherCdev(DeviceId device, FileId except) {
        for (OpenFile file : files.values()) {
            if (file instanceof OpenFile.CdevFile cdev
                    && cdev.binding().isPresent()
                    && cdev.device().equals(device)
                    && !cdev.id().equals(except)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a cdev, a device fd or a group file holds the iommufd (each pins its struct file). */
    public boolean iommufdInUse(FileId iommufd) {
        for (OpenFile file : files.values()) {
            boolean holds = switch (file) {
                case OpenFile.CdevFile cdev ->
                    cdev.binding().isPresent() && cdev.binding().get().iommufd().equals(iommufd);
                case OpenFile.VfioDeviceFile device ->
                    device.binding().isPresent()
                            && device.binding().get().iommufd().equals(iommufd);
                case OpenFile.VfioGroupFile group -> names(group.iommufd(), iommufd);
                default -> false;
            };
            if (holds) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code reference} names {@code id}, without wrapping the id in an Optional per file. */
    private static <T> boolean names(Optional<T> reference, T id) {
        return reference.isPresent() && reference.get().equals(id);
    }

    public <F extends OpenFile> F fileAs(FileId id, Class<F> kind) {
        OpenFile file = files.get(id);
        if (!kind.isInstance(file)) {
            throw new IllegalStateException(id + " is not a " + kind.getSimpleName());
        }
        return kind.cast(file);
    }
}
