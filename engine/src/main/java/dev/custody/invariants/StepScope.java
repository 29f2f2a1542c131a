package dev.custody.invariants;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.model.state.Sorted;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one decision can have changed an invariant about: the groups its events touch (directly, or
 * through a device, a domain or a file, seen in the state before and after) and the files around
 * them. Everything else is unchanged, so its invariants are as they were.
 */
final class StepScope {
    private final Set<GroupId> groups = new HashSet<>();
    private final Set<FileId> files = new HashSet<>();

    private StepScope() {}

    static StepScope of(KernelState before, KernelState after, List<KernelEvent> events) {
        StepScope scope = new StepScope();
        for (KernelEvent event : events) {
            for (KernelState state : List.of(before, after)) {
                scope.touch(state, event);
            }
        }
        return scope;
    }

    Set<GroupId> groups() {
        return groups;
    }

    private void touch(KernelState state, KernelEvent event) {
        switch (event) {
            case KernelEvent.GroupCreated e -> groups.add(e.group());
            case KernelEvent.GroupDestroyed e -> groups.add(e.group());
            case KernelEvent.DeviceJoinedGroup e -> groups.add(e.group());
            case KernelEvent.DeviceLeftGroup e -> groups.add(e.group());
            case KernelEvent.ClaimAdded e -> groups.add(e.group());
            case KernelEvent.ClaimDropped e -> groups.add(e.group());
            case KernelEvent.OwnershipTaken e -> groups.add(e.group());
            case KernelEvent.OwnershipReleased e -> groups.add(e.group());
            case KernelEvent.BlockingDomainSet e -> groups.add(e.group());
            case KernelEvent.DefaultDomainSet e -> groups.add(e.group());
            case KernelEvent.GroupDomainSet e -> groups.add(e.group());
            case KernelEvent.DeviceAdded e -> device(state, e.device());
            case KernelEvent.DeviceRemoved e -> device(state, e.device());
            case KernelEvent.DriverBound e -> device(state, e.device());
            case KernelEvent.DriverUnbound e -> device(state, e.device());
            case KernelEvent.DriverOverrideSet e -> device(state, e.device());
            case KernelEvent.ProbeFailureArmed e -> device(state, e.device());
            case KernelEvent.ProbeFailureConsumed e -> device(state, e.device());
            case KernelEvent.ReleaseBlocked e -> device(state, e.device());
            case KernelEvent.DomainAllocated e -> domain(state, e.domain().id());
            case KernelEvent.DomainFreed e -> domain(state, e.domain());
            case KernelEvent.DomainKindSet e -> domain(state, e.domain());
            case KernelEvent.DomainMapped e -> domain(state, e.domain());
            case KernelEvent.DomainUnmapped e -> domain(state, e.domain());
            case KernelEvent.FileOpened e -> file(state, e.file().id());
            case KernelEvent.FdClosed e -> file(state, e.file());
            case KernelEvent.FileReleased e -> file(state, e.file());
            case KernelEvent.GroupFileContainerSet e -> file(state, e.groupFile());
            case KernelEvent.GroupFileIommufdSet e -> file(state, e.groupFile());
            case KernelEvent.GroupFileDetached e -> file(state, e.groupFile());
            case KernelEvent.ContainerIommuDriverSet e -> file(state, e.container());
            case KernelEvent.ContainerDomainSet e -> file(state, e.container());
            case KernelEvent.CdevBindingSet e -> file(state, e.cdev());
            case KernelEvent.IommufdObjectAdded e -> file(state, e.iommufd());
            case KernelEvent.IommufdObjectRemoved e -> file(state, e.iommufd());
            case KernelEvent.IommufdDeviceAttached e -> file(state, e.iommufd());
            case KernelEvent.CompatIoasSet e -> file(state, e.iommufd());
            case KernelEvent.Type1GeometrySet e -> file(state, e.container());
            case KernelEvent.Type1Mapped e -> file(state, e.container());
            case KernelEvent.Type1Unmapped e -> file(state, e.container());
            case KernelEvent.IoasMapped e -> file(state, e.iommufd());
            case KernelEvent.IoasUnmapped e -> file(state, e.iommufd());
            case KernelEvent.IoasAllowed e -> file(state, e.iommufd());
            case KernelEvent.IoasReserved e -> file(state, e.iommufd());
            case KernelEvent.IoasUnreserved e -> file(state, e.iommufd());
            case KernelEvent.IoasAlignmentSet e -> file(state, e.iommufd());
        }
    }

    private void device(KernelState state, DeviceId device) {
        if (state.topology().devices().containsKey(device)) {
            state.spec(device).group().ifPresent(groups::add);
        }
    }

    /** The groups a domain serves or belongs to. */
    private void domain(KernelState state, DomainId domain) {
        for (GroupState group : state.groups().values()) {
            if (group.domain().equals(domain) || group.defaultDomain().equals(domain)
                    || group.blockingDomain().equals(Optional.of(domain))) {
                groups.add(group.id());
            }
        }
        Optional.ofNullable(state.domains().get(domain)).map(d -> d.use()).ifPresent(use -> {
            switch (use) {
                case DomainUse.GroupCore core -> groups.add(core.group());
                case DomainUse.Container c -> file(state, c.container());
                case DomainUse.Type1Paging c -> file(state, c.container());
                case DomainUse.Hwpt h -> file(state, h.iommufd());
                case DomainUse.HwptPaging h -> file(state, h.iommufd());
                case DomainUse.KernelCaller k -> { }
            }
        });
    }

    /** A file and the groups it speaks for. */
    private void file(KernelState state, FileId id) {
        files.add(id);
        state.file(id).ifPresent(file -> {
            switch (file) {
                case OpenFile.VfioGroupFile g -> g.group().ifPresent(groups::add);
                case OpenFile.VfioDeviceFile d -> device(state, d.device());
                case OpenFile.CdevFile c -> device(state, c.device());
                case OpenFile.VfioContainer c -> state.groupFilesIn(c.id()).forEach(g -> g.group().ifPresent(groups::add));
                case OpenFile.IommufdFile x -> x.objects().values().stream()
                        .filter(o -> o instanceof IommufdObject.Device).map(o -> ((IommufdObject.Device) o).device())
                        .forEach(d -> device(state, d));
            }
        });
    }

    /**
     * The state cut down to the scope: its groups, the files about them or named by the events
     * (with the files they refer to, and the groups those speak for), and every domain.
     */
    KernelState reduce(KernelState state) {
        Set<GroupId> keptGroupIds = new HashSet<>(groups);
        Set<FileId> keptFiles = new HashSet<>();
        boolean grew = true;
        while (grew) { // a kept iommufd brings the groups of all its devices, which bring their files, ...
            Deque<FileId> pending = new ArrayDeque<>(files);
            for (OpenFile file : state.files().values()) {
                if (about(state, file, keptGroupIds)) {
                    pending.add(file.id());
                }
            }
            while (!pending.isEmpty()) {
                FileId id = pending.poll();
                if (keptFiles.add(id)) {
                    state.file(id).ifPresent(file -> referenced(file).forEach(pending::add));
                }
            }
            int before = keptGroupIds.size();
            for (FileId id : keptFiles) {
                state.file(id).ifPresent(file -> groupsOf(state, file).forEach(keptGroupIds::add));
            }
            grew = keptGroupIds.size() > before;
        }
        Map<GroupId, GroupState> keptGroups = new HashMap<>();
        keptGroupIds.forEach(g -> state.group(g).ifPresent(group -> keptGroups.put(g, group)));
        Map<FileId, OpenFile> files = new HashMap<>();
        keptFiles.forEach(id -> state.file(id).ifPresent(f -> files.put(id, f)));
        // every domain stays (shared, not copied): the checks of a reduced state leave G10 out
        return new KernelState(state.topology(), state.devices(), Sorted.map(keptGroups), state.domains(),
                Sorted.map(files), state.nextDomain(), state.nextFile());
    }

    /** The groups a file's invariants read: its own, or its devices'. */
    private static List<GroupId> groupsOf(KernelState state, OpenFile file) {
        return switch (file) {
            case OpenFile.VfioGroupFile g -> g.group().stream().toList();
            case OpenFile.VfioDeviceFile d -> state.spec(d.device()).group().stream().toList();
            case OpenFile.CdevFile c -> state.spec(c.device()).group().stream().toList();
            case OpenFile.VfioContainer c -> state.groupFilesIn(c.id()).stream().flatMap(g -> g.group().stream()).toList();
            case OpenFile.IommufdFile x -> x.objects().values().stream()
                    .filter(o -> o instanceof IommufdObject.Device)
                    .flatMap(o -> state.spec(((IommufdObject.Device) o).device()).group().stream()).toList();
        };
    }

    private static boolean about(KernelState state, OpenFile file, Set<GroupId> groups) {
        return groupsOf(state, file).stream().anyMatch(groups::contains);
    }

    private static List<FileId> referenced(OpenFile file) {
        return switch (file) {
            case OpenFile.VfioGroupFile g -> java.util.stream.Stream.concat(g.container().stream(), g.iommufd().stream()).toList();
            case OpenFile.VfioDeviceFile d -> java.util.stream.Stream.concat(java.util.stream.Stream.of(d.groupFile()),
                    d.binding().map(OpenFile.IommufdRef::iommufd).stream()).toList();
            case OpenFile.CdevFile c -> c.binding().map(OpenFile.IommufdRef::iommufd).stream().toList();
            case OpenFile.VfioContainer c -> List.of();
            case OpenFile.IommufdFile x -> List.of();
        };
    }
}
