package dev.custody.model.state;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.DriverName;
import dev.custody.model.DynamicId;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.ObjectId;
import dev.custody.model.event.DeviceEvent;
import dev.custody.model.event.DeviceEvent.*;
import dev.custody.model.event.DomainEvent;
import dev.custody.model.event.DomainEvent.*;
import dev.custody.model.event.DriverEvent;
import dev.custody.model.event.DriverEvent.*;
import dev.custody.model.event.FileEvent;
import dev.custody.model.event.FileEvent.*;
import dev.custody.model.event.GroupEvent;
import dev.custody.model.event.GroupEvent.*;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.event.LegacyEvent;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.state.OpenFile.CdevFile;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.OpenFile.VfioContainer;
import dev.custody.model.state.OpenFile.VfioGroupFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.UnaryOperator;

/**
 * The event handlers: how each fact changes the state. No decisions are taken here: a mapping fact
 * carries the leaves, entries or areas the rules decided, and is applied as it is.
 */
final class StateEvolution {
    private StateEvolution() {}

    static KernelState apply(KernelState s, KernelEvent event) {
        return switch (event) {
            case DeviceEvent e -> applyDevice(s, e);
            case GroupEvent e -> applyGroup(s, e);
            case DomainEvent e -> applyDomain(s, e);
            case FileEvent e -> applyFile(s, e);
            case DriverEvent e -> applyDriver(s, e);
        };
    }

    private static KernelState applyDevice(KernelState s, DeviceEvent event) {
        return switch (event) {
            case DeviceAdded e -> devices(s, e.device(), d -> d.withPresent(true));
            case DeviceRemoved e -> withDevices(s, Sorted.put(s.devices(), e.device(), DeviceState.absent(e.device())));
            case DriverBound e -> devices(s, e.device(), d -> d.withDriver(Optional.of(e.driver())));
            case DriverUnbound e ->
                devices(s, e.device(), d -> d.withDriver(Optional.empty()).withPending(Optional.empty()));
            case DriverOverrideSet e -> devices(s, e.device(), d -> d.withOverride(e.driver()));
            case ProbeFailureArmed e -> devices(s, e.device(), d -> d.withFailNextProbe(Optional.of(e.errno())));
            case ProbeFailureConsumed e -> devices(s, e.device(), d -> d.withFailNextProbe(Optional.empty()));
            case ReleaseBlocked e -> devices(s, e.device(), d -> d.withPending(Optional.of(e.what())));
        };
    }

    private static KernelState applyGroup(KernelState s, GroupEvent event) {
        return switch (event) {
            case GroupCreated e ->
                withGroups(s, Sorted.put(s.groups(), e.group(), GroupState.created(e.group(), e.defaultDomain())));
            case GroupDestroyed e -> withGroups(s, Sorted.remove(s.groups(), e.group()));
            case DeviceJoinedGroup e -> group(s, e.group(), g -> g.withDevices(Sorted.with(g.devices(), e.device())));
            case DeviceLeftGroup e -> group(s, e.group(), g -> g.withDevices(Sorted.without(g.devices(), e.device())));
            case ClaimAdded e -> group(s, e.group(), g -> g.withClaims(adjust(g.claims(), e.claimant(), +1)));
            case ClaimDropped e -> group(s, e.group(), g -> g.withClaims(adjust(g.claims(), e.claimant(), -1)));
            case OwnershipTaken e ->
                group(s, e.group(), g -> g.withOwner(Optional.of(e.owner())).withClaims(Map.of(e.claimant(), 1)));
            case OwnershipReleased e ->
                group(s, e.group(), g -> g.withOwner(Optional.empty()).withClaims(Map.of()));
            case BlockingDomainSet e -> group(s, e.group(), g -> g.withBlockingDomain(e.domain()));
            case DefaultDomainSet e -> group(s, e.group(), g -> g.withDefaultDomain(e.domain()));
            case GroupDomainSet e -> group(s, e.group(), g -> g.withDomain(e.domain()));
        };
    }

    private static KernelState applyDomain(KernelState s, DomainEvent event) {
        return switch (event) {
            case DomainAllocated e ->
                new KernelState(
                        s.topology(),
                        s.devices(),
                        s.groups(),
                        Sorted.put(s.domains(), e.domain().id(), e.domain()),
                        s.files(),
                        Math.max(s.nextDomain(), e.domain().id().number() + 1),
                        s.nextFile(),
                        s.dynamicIds());
            case DomainFreed e ->
                new KernelState(
                        s.topology(),
                        s.devices(),
                        s.groups(),
                        Sorted.remove(s.domains(), e.domain()),
                        s.files(),
                        s.nextDomain(),
                        s.nextFile(),
                        s.dynamicIds());
            case DomainKindSet e ->
                new KernelState(
                        s.topology(),
                        s.devices(),
                        s.groups(),
                        Sorted.update(s.domains(), e.domain(), d -> d.withKind(e.kind())),
                        s.files(),
                        s.nextDomain(),
                        s.nextFile(),
                        s.dynamicIds());
            case DomainLeavesMapped e -> pageTable(s, e.domain(), table -> table.withLeaves(e.leaves()));
            case DomainLeavesUnmapped e -> pageTable(s, e.domain(), table -> table.withoutLeaves(e.leaves()));
            case DomainRunsMapped e -> pageTable(s, e.domain(), table -> table.withLeaves(e.runs()));
            case DomainRunsUnmapped e -> pageTable(s, e.domain(), table -> table.withoutLeaves(e.runs()));
            case LegacyEvent e -> throw notUpcast(e);
        };
    }

    private static KernelState applyDriver(KernelState s, DriverEvent event) {
        List<DynamicId> ids = new ArrayList<>(s.dynamicIds(event.driver().name()));
        switch (event) {
            case DynamicIdAdded e -> ids.add(e.id());
            case DynamicIdRemoved e -> {
                for (int i = 0; i < ids.size(); i++) {
                    if (ids.get(i).sameAs(e.id())) {
                        ids.remove(i);
                        break;
                    }
                }
            }
        }
        SortedMap<DriverName, List<DynamicId>> now = ids.isEmpty()
                ? Sorted.remove(s.dynamicIds(), event.driver())
                : Sorted.put(s.dynamicIds(), event.driver(), List.copyOf(ids));
        return new KernelState(
                s.topology(), s.devices(), s.groups(), s.domains(), s.files(), s.nextDomain(), s.nextFile(), now);
    }

    private static KernelState applyFile(KernelState s, FileEvent event) {
        return switch (event) {
            case FileOpened e ->
                new KernelState(
                        s.topology(),
                        s.devices(),
                        s.groups(),
                        s.domains(),
                        Sorted.put(s.files(), e.file().id(), e.file()),
                        s.nextDomain(),
                        Math.max(s.nextFile(), e.file().id().number() + 1),
                        s.dynamicIds());
            case FdClosed e -> files(s, Sorted.update(s.files(), e.file(), OpenFile::withFdClosed));
            case FileReleased e -> files(s, Sorted.remove(s.files(), e.file()));
            case GroupFileContainerSet e ->
                file(s, e.groupFile(), VfioGroupFile.class, f -> f.withContainer(e.container()));
            case GroupFileIommufdSet e -> file(s, e.groupFile(), VfioGroupFile.class, f -> f.withIommufd(e.iommufd()));
            case GroupFileDetached e -> file(s, e.groupFile(), VfioGroupFile.class, VfioGroupFile::detached);
            case ContainerIommuDriverSet e -> file(s, e.container(), VfioContainer.class, c -> c.withIommu(e.iommu()));
            case ContainerDomainSet e ->
                file(
                        s,
                        e.container(),
                        VfioContainer.class,
                        c -> c.withDomains(
                                e.domain().isPresent()
                                        ? Sorted.put(
                                                c.domains(),
                                                e.iommu(),
                                                e.domain().get())
                                        : Sorted.remove(c.domains(), e.iommu())));
            case CdevBindingSet e -> file(s, e.cdev(), CdevFile.class, c -> c.withBinding(e.binding()));
            case IommufdObjectAdded e ->
                file(
                        s,
                        e.iommufd(),
                        IommufdFile.class,
                        c -> c.withObjects(
                                Sorted.put(c.objects(), e.object().id(), e.object()),
                                Math.max(c.nextObject(), e.object().id().number() + 1)));
            case IommufdObjectRemoved e ->
                file(
                        s,
                        e.iommufd(),
                        IommufdFile.class,
                        c -> c.withObjects(Sorted.remove(c.objects(), e.object()), c.nextObject())
                                .withCompatIoas(c.compatIoas().filter(id -> !id.equals(e.object()))));
            case IommufdDeviceAttached e ->
                file(
                        s,
                        e.iommufd(),
                        IommufdFile.class,
                        c -> c.withObjects(
                                Sorted.update(
                                        c.objects(), e.device(), o -> ((IommufdObject.Device) o).withHwpt(e.hwpt())),
                                c.nextObject()));
            case CompatIoasSet e ->
                file(s, e.iommufd(), IommufdFile.class, c -> c.withCompatIoas(Optional.of(e.ioas())));
            case Type1GeometrySet e ->
                type1(s, e.container(), dma -> dma.withPageSize(e.pageSize()).withValidRanges(e.validRanges()));
            case Type1Mapped e -> type1(s, e.container(), dma -> dma.withEntries(List.of(e.entry())));
            case Type1EntriesUnmapped e -> type1(s, e.container(), dma -> dma.withoutEntries(e.entries()));
            case IoasMapped e -> ioas(s, e.iommufd(), e.ioas(), space -> space.withAreas(List.of(e.area())));
            case IoasAreasUnmapped e -> ioas(s, e.iommufd(), e.ioas(), space -> space.withoutAreas(e.areas()));
            case IoasAllowed e -> ioas(s, e.iommufd(), e.ioas(), space -> space.withAllowed(e.ranges()));
            case IoasReserved e -> ioas(s, e.iommufd(), e.ioas(), space -> space.withReserved(e.owner(), e.ranges()));
            case IoasUnreserved e -> ioas(s, e.iommufd(), e.ioas(), space -> space.withoutReserved(e.owner()));
            case IoasAlignmentSet e -> ioas(s, e.iommufd(), e.ioas(), space -> space.withIovaAlignment(e.alignment()));
            case IommufdAccountModeSet e ->
                file(s, e.iommufd(), IommufdFile.class, c -> c.withAccountPerProcess(e.perProcess()));
            case IoasLargePagesSet e ->
                file(
                        s,
                        e.iommufd(),
                        IommufdFile.class,
                        c -> c.withObjects(
                                Sorted.update(
                                        c.objects(),
                                        e.ioas(),
                                        o -> ((IommufdObject.Ioas) o).withLargePagesDisabled(e.disabled())),
                                c.nextObject()));
            case LegacyEvent e -> throw notUpcast(e);
        };
    }

    /** A legacy fact names a request, not its effect; it is turned into facts before it gets here. */
    private static IllegalStateException notUpcast(LegacyEvent event) {
        return new IllegalStateException(
                event + " is in the form of an older journal: " + "upcast it (LegacyEvents) before applying it");
    }

    private static KernelState pageTable(KernelState s, DomainId id, UnaryOperator<IommuDomainMappings> change) {
        return new KernelState(
                s.topology(),
                s.devices(),
                s.groups(),
                Sorted.update(
                        s.domains(),
                        id,
                        d -> d.withUse(d.use()
                                .withPageTable(change.apply(d.use().pageTable().orElseThrow())))),
                s.files(),
                s.nextDomain(),
                s.nextFile(),
                s.dynamicIds());
    }

    private static KernelState type1(KernelState s, FileId container, UnaryOperator<Type1DmaSpace> change) {
        return file(
                s, container, VfioContainer.class, c -> c.withIommu(c.iommu().map(change)));
    }

    private static KernelState ioas(KernelState s, FileId ctx, ObjectId id, UnaryOperator<IoasSpace> change) {
        return file(
                s,
                ctx,
                IommufdFile.class,
                c -> c.withObjects(
                        Sorted.update(
                                c.objects(),
                                id,
                                o -> ((IommufdObject.Ioas) o)
                                        .withSpace(change.apply(((IommufdObject.Ioas) o).space()))),
                        c.nextObject()));
    }

    private static <K> SortedMap<K, Integer> adjust(SortedMap<K, Integer> counts, K key, int delta) {
        int now = counts.getOrDefault(key, 0) + delta;
        if (now < 0) {
            throw new IllegalStateException("owner_cnt of " + key + " would go negative");
        }
        return now == 0 ? Sorted.remove(counts, key) : Sorted.put(counts, key, now);
    }

    private static KernelState devices(KernelState s, DeviceId id, UnaryOperator<DeviceState> change) {
        return withDevices(s, Sorted.update(s.devices(), id, change));
    }

    private static KernelState withDevices(KernelState s, SortedMap<DeviceId, DeviceState> devices) {
        return new KernelState(
                s.topology(),
                devices,
                s.groups(),
                s.domains(),
                s.files(),
                s.nextDomain(),
                s.nextFile(),
                s.dynamicIds());
    }

    private static KernelState group(KernelState s, GroupId id, UnaryOperator<GroupState> change) {
        return withGroups(s, Sorted.update(s.groups(), id, change));
    }

    private static KernelState withGroups(KernelState s, SortedMap<GroupId, GroupState> groups) {
        return new KernelState(
                s.topology(),
                s.devices(),
                groups,
                s.domains(),
                s.files(),
                s.nextDomain(),
                s.nextFile(),
                s.dynamicIds());
    }

    private static KernelState files(KernelState s, SortedMap<FileId, OpenFile> files) {
        return new KernelState(
                s.topology(),
                s.devices(),
                s.groups(),
                s.domains(),
                files,
                s.nextDomain(),
                s.nextFile(),
                s.dynamicIds());
    }

    private static <F extends OpenFile> KernelState file(
            KernelState s, FileId id, Class<F> kind, UnaryOperator<F> change) {
        return files(s, Sorted.update(s.files(), id, f -> change.apply(kind.cast(f))));
    }
}
