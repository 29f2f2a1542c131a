package dev.custody.invariants;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.event.DeviceEvent;
import dev.custody.model.event.DomainEvent;
import dev.custody.model.event.DriverEvent;
import dev.custody.model.event.FileEvent;
import dev.custody.model.event.GroupEvent;
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

    /** An event touches the groups around its subject, found by the kind of subject. */
    private void touch(KernelState state, KernelEvent event) {
        switch (event) {
            case GroupEvent e -> groups.add(e.subject());
            case DeviceEvent e -> device(state, e.subject());
            case DomainEvent e -> domain(state, e.subject());
            case FileEvent e -> file(state, e.subject());
            case DriverEvent e -> {} // a driver's ids touch no group; the probes they cause emit their own events
        }
    }

    private void device(KernelState state, DeviceId device) {
        if (state.topology().devices().containsKey(device)) {
            state.spec(device).group().ifPresent(groups::add);
        }
    }

    /** The groups a domain serves or belongs to. */
    private void domain(KernelState state, DomainId domain) {
        for (GroupState group : state.groupsReferencing(domain)) { // an index lookup, not a scan of every group
            groups.add(group.id());
        }
        Optional.ofNullable(state.domains().get(domain)).map(d -> d.use()).ifPresent(use -> {
            switch (use) {
                case DomainUse.GroupCore core -> groups.add(core.group());
                case DomainUse.Container c -> file(state, c.container());
                case DomainUse.Type1Paging c -> file(state, c.container());
                case DomainUse.Hwpt h -> file(state, h.iommufd());
                case DomainUse.HwptPaging h -> file(state, h.iommufd());
                case DomainUse.KernelCaller k -> {}
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
                case OpenFile.VfioContainer c ->
                    state.groupFilesIn(c.id()).forEach(g -> g.group().ifPresent(groups::add));
                case OpenFile.IommufdFile x ->
                    x.objects().values().stream()
                            .filter(o -> o instanceof IommufdObject.Device)
                            .map(o -> ((IommufdObject.Device) o).device())
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
        return new KernelState(
                state.topology(),
                state.devices(),
                Sorted.map(keptGroups),
                state.domains(),
                Sorted.map(files),
                state.nextDomain(),
                state.nextFile(),
                state.dynamicIds());
    }

    /** The groups a file's invariants read: its own, or its devices'. */
    private static List<GroupId> groupsOf(KernelState state, OpenFile file) {
        return switch (file) {
            case OpenFile.VfioGroupFile g -> g.group().stream().toList();
            case OpenFile.VfioDeviceFile d ->
                state.spec(d.device()).group().stream().toList();
            case OpenFile.CdevFile c -> state.spec(c.device()).group().stream().toList();
            case OpenFile.VfioContainer c ->
                state.groupFilesIn(c.id()).stream()
                        .flatMap(g -> g.group().stream())
                        .toList();
            case OpenFile.IommufdFile x ->
                x.objects().values().stream()
                        .filter(o -> o instanceof IommufdObject.Device)
                        .flatMap(o -> state.spec(((IommufdObject.Device) o).device()).group().stream())
                        .toList();
        };
    }

    private static boolean about(KernelState state, OpenFile file, Set<GroupId> groups) {
        return groupsOf(state, file).stream().anyMatch(groups::contains);
    }

    private static List<FileId> referenced(OpenFile file) {
        return switch (file) {
            case OpenFile.VfioGroupFile g ->
                java.util.stream.Stream.concat(g.container().stream(), g.iommufd().stream())
                        .toList();
            case OpenFile.VfioDeviceFile d ->
                java.util.stream.Stream.concat(
                                java.util.stream.Stream.of(d.groupFile()),
                                d.binding().map(OpenFile.IommufdRef::iommufd).stream())
                        .toList();
            case OpenFile.CdevFile c ->
                c.binding().map(OpenFile.IommufdRef::iommufd).stream().toList();
            case OpenFile.VfioContainer c -> List.of();
            case OpenFile.IommufdFile x -> List.of();
        };
    }
}
