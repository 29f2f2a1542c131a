package dev.custody.model.state;

import dev.custody.model.DeviceId;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.event.KernelEvent.*;
import dev.custody.model.state.OpenFile.CdevFile;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.OpenFile.VfioContainer;
import dev.custody.model.state.OpenFile.VfioGroupFile;
import java.util.Map;
import dev.custody.rules.mapping.IoasSpace;
import dev.custody.rules.mapping.IommuDomainMappings;
import dev.custody.rules.mapping.Prot;
import dev.custody.rules.mapping.RequestedRange;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** The event handlers: how each fact changes the state. No decisions are taken here. */
final class StateEvolution {
    private StateEvolution() {}

    static KernelState apply(KernelState s, KernelEvent event) {
        return switch (event) {
            case DeviceAdded e -> devices(s, e.device(), d -> d.withPresent(true));
            case DeviceRemoved e -> withDevices(s, Sorted.put(s.devices(), e.device(), DeviceState.absent(e.device())));
            case DriverBound e -> devices(s, e.device(), d -> d.withDriver(Optional.of(e.driver())));
            case DriverUnbound e -> devices(s, e.device(), d -> d.withDriver(Optional.empty()).withPending(Optional.empty()));
            case DriverOverrideSet e -> devices(s, e.device(), d -> d.withOverride(e.driver()));
            case ProbeFailureArmed e -> devices(s, e.device(), d -> d.withFailNextProbe(Optional.of(e.errno())));
            case ProbeFailureConsumed e -> devices(s, e.device(), d -> d.withFailNextProbe(Optional.empty()));
            case ReleaseBlocked e -> devices(s, e.device(), d -> d.withPending(Optional.of(e.what())));

            case GroupCreated e -> withGroups(s, Sorted.put(s.groups(), e.group(), GroupState.created(e.group(), e.defaultDomain())));
            case GroupDestroyed e -> withGroups(s, Sorted.remove(s.groups(), e.group()));
            case DeviceJoinedGroup e -> group(s, e.group(), g -> g.withDevices(Sorted.with(g.devices(), e.device())));
            case DeviceLeftGroup e -> group(s, e.group(), g -> g.withDevices(Sorted.without(g.devices(), e.device())));
            case ClaimAdded e -> group(s, e.group(), g -> g.withClaims(adjust(g.claims(), e.claimant(), +1)));
            case ClaimDropped e -> group(s, e.group(), g -> g.withClaims(adjust(g.claims(), e.claimant(), -1)));
            case OwnershipTaken e -> group(s, e.group(), g -> g.withOwner(Optional.of(e.owner())).withClaims(Map.of(e.claimant(), 1)));
            case OwnershipReleased e -> group(s, e.group(), g -> g.withOwner(Optional.empty()).withClaims(Map.of()));
            case BlockingDomainSet e -> group(s, e.group(), g -> g.withBlockingDomain(e.domain()));
            case DefaultDomainSet e -> group(s, e.group(), g -> g.withDefaultDomain(e.domain()));
            case GroupDomainSet e -> group(s, e.group(), g -> g.withDomain(e.domain()));

            case DomainAllocated e -> new KernelState(s.topology(), s.devices(), s.groups(),
                    Sorted.put(s.domains(), e.domain().id(), e.domain()), s.files(),
                    Math.max(s.nextDomain(), e.domain().id().number() + 1), s.nextFile());
            case DomainFreed e -> new KernelState(s.topology(), s.devices(), s.groups(),
                    Sorted.remove(s.domains(), e.domain()), s.files(), s.nextDomain(), s.nextFile());
            case DomainKindSet e -> new KernelState(s.topology(), s.devices(), s.groups(),
                    Sorted.update(s.domains(), e.domain(), d -> d.withKind(e.kind())), s.files(), s.nextDomain(), s.nextFile());

            case FileOpened e -> new KernelState(s.topology(), s.devices(), s.groups(), s.domains(),
                    Sorted.put(s.files(), e.file().id(), e.file()), s.nextDomain(),
                    Math.max(s.nextFile(), e.file().id().number() + 1));
            case FdClosed e -> files(s, Sorted.update(s.files(), e.file(), OpenFile::withFdClosed));
            case FileReleased e -> files(s, Sorted.remove(s.files(), e.file()));
            case GroupFileContainerSet e -> file(s, e.groupFile(), VfioGroupFile.class, f -> f.withContainer(e.container()));
            case GroupFileIommufdSet e -> file(s, e.groupFile(), VfioGroupFile.class, f -> f.withIommufd(e.iommufd()));
            case GroupFileDetached e -> file(s, e.groupFile(), VfioGroupFile.class, VfioGroupFile::detached);
            case ContainerIommuDriverSet e -> file(s, e.container(), VfioContainer.class, c -> c.withIommu(e.iommu()));
            case ContainerDomainSet e -> file(s, e.container(), VfioContainer.class, c -> c.withDomains(
                    e.domain().isPresent() ? Sorted.put(c.domains(), e.iommu(), e.domain().get())
                            : Sorted.remove(c.domains(), e.iommu())));
            case CdevBindingSet e -> file(s, e.cdev(), CdevFile.class, c -> c.withBinding(e.binding()));
            case IommufdObjectAdded e -> file(s, e.iommufd(), IommufdFile.class, c -> c.withObjects(
                    Sorted.put(c.objects(), e.object().id(), e.object()),
                    Math.max(c.nextObject(), e.object().id().number() + 1)));
            case IommufdObjectRemoved e -> file(s, e.iommufd(), IommufdFile.class, c -> c.withObjects(
                    Sorted.remove(c.objects(), e.object()), c.nextObject())
                    .withCompatIoas(c.compatIoas().filter(id -> !id.equals(e.object()))));
            case IommufdDeviceAttached e -> file(s, e.iommufd(), IommufdFile.class, c -> c.withObjects(
                    Sorted.update(c.objects(), e.device(), o -> ((IommufdObject.Device) o).withHwpt(e.hwpt())),
                    c.nextObject()));
            case CompatIoasSet e -> file(s, e.iommufd(), IommufdFile.class, c -> c.withCompatIoas(Optional.of(e.ioas())));

            case DomainMapped e -> kernelMappings(s, e.domain(),
                    m -> m.map(e.iova(), e.paddr(), e.size(), new Prot(e.read(), e.write())).state());
            case DomainUnmapped e -> kernelMappings(s, e.domain(), m -> m.unmap(e.iova(), e.size()).state());
            case Type1GeometrySet e -> file(s, e.container(), VfioContainer.class, c -> c.withIommu(c.iommu().map(
                    dma -> dma.withPageSize(e.pageSize()).withValidRanges(e.validRanges()))));
            case Type1Mapped e -> file(s, e.container(), VfioContainer.class, c -> c.withIommu(c.iommu().map(
                    dma -> dma.map(e.iova(), e.vaddr(), e.size(), e.read(), e.write()).state())));
            case Type1Unmapped e -> file(s, e.container(), VfioContainer.class, c -> c.withIommu(c.iommu().map(
                    dma -> dma.unmap(e.iova(), e.size(), e.all()).state())));
            case IoasMapped e -> ioas(s, e.iommufd(), e.ioas(), space -> space.map(OptionalLong.of(e.iova()),
                    e.length(), e.read(), e.write()).state());
            case IoasUnmapped e -> ioas(s, e.iommufd(), e.ioas(), space -> (e.compat()
                    ? space.unmapCompat(e.iova(), e.length()) : space.unmap(e.iova(), e.length())).state());
            case IoasAllowed e -> ioas(s, e.iommufd(), e.ioas(), space -> space.allowIovas(e.ranges().stream()
                    .map(r -> new RequestedRange(r.start(), r.last())).toList()).state());
            case IoasReserved e -> ioas(s, e.iommufd(), e.ioas(), space -> space.addReserved(e.owner(), e.ranges()).state());
            case IoasUnreserved e -> ioas(s, e.iommufd(), e.ioas(), space -> space.removeReserved(e.owner()).state());
            case IoasAlignmentSet e -> ioas(s, e.iommufd(), e.ioas(), space -> space.setIovaAlignment(e.alignment()).state());
        };
    }

    private static KernelState kernelMappings(KernelState s, dev.custody.model.DomainId id,
                                              UnaryOperator<IommuDomainMappings> change) {
        return new KernelState(s.topology(), s.devices(), s.groups(), Sorted.update(s.domains(), id, d ->
                d.withUse(d.use().withPageTable(change.apply(d.use().pageTable().orElseThrow())))),
                s.files(), s.nextDomain(), s.nextFile());
    }

    private static KernelState ioas(KernelState s, dev.custody.model.FileId ctx, dev.custody.model.ObjectId id,
                                    UnaryOperator<IoasSpace> change) {
        return file(s, ctx, IommufdFile.class, c -> c.withObjects(Sorted.update(c.objects(), id,
                o -> ((IommufdObject.Ioas) o).withSpace(change.apply(((IommufdObject.Ioas) o).space()))), c.nextObject()));
    }

    private static <K> SortedMap<K, Integer> adjust(SortedMap<K, Integer> counts, K key, int delta) {
        TreeMap<K, Integer> copy = new TreeMap<>(counts);
        int now = copy.getOrDefault(key, 0) + delta;
        if (now < 0) {
            throw new IllegalStateException("owner_cnt of " + key + " would go negative");
        }
        if (now == 0) {
            copy.remove(key);
        } else {
            copy.put(key, now);
        }
        return copy;
    }

    private static KernelState devices(KernelState s, DeviceId id, UnaryOperator<DeviceState> change) {
        return withDevices(s, Sorted.update(s.devices(), id, change));
    }

    private static KernelState withDevices(KernelState s, SortedMap<DeviceId, DeviceState> devices) {
        return new KernelState(s.topology(), devices, s.groups(), s.domains(), s.files(), s.nextDomain(), s.nextFile());
    }

    private static KernelState group(KernelState s, dev.custody.model.GroupId id, UnaryOperator<GroupState> change) {
        return withGroups(s, Sorted.update(s.groups(), id, change));
    }

    private static KernelState withGroups(KernelState s, SortedMap<dev.custody.model.GroupId, GroupState> groups) {
        return new KernelState(s.topology(), s.devices(), groups, s.domains(), s.files(), s.nextDomain(), s.nextFile());
    }

    private static KernelState files(KernelState s, SortedMap<dev.custody.model.FileId, OpenFile> files) {
        return new KernelState(s.topology(), s.devices(), s.groups(), s.domains(), files, s.nextDomain(), s.nextFile());
    }

    private static <F extends OpenFile> KernelState file(KernelState s, dev.custody.model.FileId id, Class<F> kind,
                                                         UnaryOperator<F> change) {
        return files(s, Sorted.update(s.files(), id, f -> change.apply(kind.cast(f))));
    }
}
