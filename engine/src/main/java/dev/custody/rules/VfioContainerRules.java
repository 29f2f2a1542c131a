package dev.custody.rules;

import static dev.custody.rules.Results.OK;
import static dev.custody.rules.Results.fail;

import dev.custody.model.DomainId;
import dev.custody.model.Errno;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IommuSpec;
import dev.custody.model.IommuType;
import dev.custody.model.ObjectId;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.event.DomainEvent.DomainAllocated;
import dev.custody.model.event.DomainEvent.DomainFreed;
import dev.custody.model.event.FileEvent.ContainerDomainSet;
import dev.custody.model.event.FileEvent.ContainerIommuDriverSet;
import dev.custody.model.event.FileEvent.FileOpened;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.mapping.Type1Version;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.OpenFile;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.OpenFile.VfioContainer;
import dev.custody.model.state.OpenFile.VfioGroupFile;
import dev.custody.model.state.Sorted;
import java.util.List;
import java.util.Optional;

/** The VFIO container, /dev/vfio/vfio, with the type1 IOMMU driver (drivers/vfio/container.c). */
public final class VfioContainerRules {
    private VfioContainerRules() {}

    public static Outcome<Reply> open(Tx tx, String label) {
        VfioContainer container = new VfioContainer(tx.nextFileId(), label, true, Optional.empty(), Sorted.emptyMap());
        tx.emit(new FileOpened(container));
        return Results.ok(new Reply.Created(new Handle.File(container.id())));
    }

    /**
     * VFIO_CHECK_EXTENSION, answered 1 or 0. On a container (vfio_container_ioctl_check_extension)
     * the type1 driver answers whether or not it is set yet; on an iommufd the compat layer does
     * (iommufd_vfio_check_extension). Both offer exactly the two type1 models here: there is no
     * sPAPR driver, and no-IOMMU mode is off (CONFIG_VFIO_NOIOMMU unset, as on the oracle's kernel).
     */
    public static Outcome<Reply> checkExtension(Tx tx, Handle fd, IommuType type) {
        Fd<OpenFile> file = Fd.open(tx.state(), fd);
        if (!file.found()) {
            return file.error();
        }
        boolean type1 = type == IommuType.TYPE1 || type == IommuType.TYPE1V2;
        return switch (file.get()) {
            case VfioContainer _, IommufdFile _ -> Results.ok(new Reply.Amount("supported", type1 ? 1 : 0));
            // vfio_group_fops_unl_ioctl and the device fds have no such ioctl
            default -> fail(Fd.unknownIoctl(file.get()), "fd " + file.get().label() + " is not a VFIO container");
        };
    }

    /** VFIO_SET_IOMMU on a container, or on an iommufd through its VFIO compat layer (iommufd_vfio_set_iommu). */
    public static Outcome<Reply> setIommu(Tx tx, Handle fd, IommuType type) {
        Fd<OpenFile> file = Fd.open(tx.state(), fd);
        if (!file.found()) {
            return file.error();
        }
        Optional<Type1Version> version = switch (type) {
            case TYPE1 -> Optional.of(Type1Version.V1);
            case TYPE1V2 -> Optional.of(Type1Version.V2);
            case SPAPR_TCE, NOIOMMU -> Optional.empty();
        };
        return switch (file.get()) {
            case VfioContainer container -> setContainerIommu(tx, container, type, version);
            case IommufdFile iommufd -> {
                if (version.isEmpty()) {
                    yield fail(Errno.EINVAL, "iommufd's VFIO compat layer does not offer IOMMU type " + type);
                }
                if (iommufd.compatIoas().isEmpty()) {
                    yield fail(Errno.ENODEV, iommufd.label() + " has no compat IOAS");
                }
                ObjectId compat = iommufd.compatIoas().get();
                if (type == IommuType.TYPE1
                        && iommufd.objects().get(compat) instanceof dev.custody.model.state.IommufdObject.Ioas) {
                    // iommufd_vfio_set_iommu: TYPE1 may unmap inside a mapping, which a large IOPTE
                    // cannot do, so the compat IOAS gives up large pages (EINVAL once a domain has areas)
                    yield IoasLargePages.disable(tx, iommufd.id(), compat);
                }
                yield OK;
            }
            default -> fail(Fd.unknownIoctl(file.get()), "fd " + file.get().label() + " is not a VFIO container");
        };
    }

    private static Outcome<Reply> setContainerIommu(
            Tx tx, VfioContainer container, IommuType type, Optional<Type1Version> version) {
        List<VfioGroupFile> groups = tx.state().groupFilesIn(container.id());
        if (groups.isEmpty()) {
            return fail(Errno.EINVAL, "container " + container.label() + " has no group yet");
        }
        if (container.iommuDriver().isPresent()) {
            return fail(
                    Errno.EINVAL,
                    "container " + container.label() + " already has an IOMMU driver ("
                            + container.iommuDriver().get() + ")");
        }
        if (version.isEmpty()) {
            return fail(Errno.ENODEV, "no VFIO IOMMU driver accepts type " + type);
        }
        Tx.Mark before = tx.mark();
        for (VfioGroupFile file : groups) {
            Outcome<Reply> attached =
                    attachGroup(tx, container.id(), file.group().orElseThrow());
            if (!attached.isOk()) {
                tx.rollback(before);
                return attached;
            }
        }
        tx.emit(new ContainerIommuDriverSet(container.id(), Optional.of(emptyDmaSpace(tx, groups, version.get()))));
        return OK;
    }

    private static Type1DmaSpace emptyDmaSpace(Tx tx, List<VfioGroupFile> groups, Type1Version version) {
        Geometry geometry =
                geometry(tx, groups.stream().map(f -> f.group().orElseThrow()).toList());
        return Type1DmaSpace.empty(version).withPageSize(geometry.pageSize()).withValidRanges(geometry.validRanges());
    }

    private record Geometry(long pageSize, List<dev.custody.model.mapping.IovaRange> validRanges) {}

    /**
     * vfio_update_pgsize_bitmap and the iova list: pg is the smallest page every IOMMU of the
     * container supports; valid IOVAs are the narrowest aperture less the reserved regions.
     */
    private static Geometry geometry(Tx tx, List<GroupId> groups) {
        long common = -1L;
        IommuSpec narrowest = null;
        for (GroupId id : groups) {
            GroupState group = tx.state().group(id).orElseThrow();
            IommuSpec iommu = tx.state().topology().iommus().get(tx.state().iommuOf(group));
            common &= iommu.pageSizeBitmap();
            if (narrowest == null || iommu.addressWidth() < narrowest.addressWidth()) {
                narrowest = iommu;
            }
        }
        long pageSize = Math.max(4096L, Long.lowestOneBit(common == 0 ? 4096L : common));
        return new Geometry(pageSize, ReservedRegions.type1ValidRanges(narrowest));
    }

    /**
     * After a group joins or leaves a container with an IOMMU driver: recompute pg and the valid
     * ranges; a mapping outside the new ranges refuses the join (vfio_iommu_aper_conflict, EINVAL).
     */
    static Outcome<Reply> regeometry(Tx tx, FileId containerId, List<GroupId> groups) {
        VfioContainer container = tx.state().fileAs(containerId, VfioContainer.class);
        if (container.iommu().isEmpty() || groups.isEmpty()) {
            return OK;
        }
        Geometry geometry = geometry(tx, groups);
        Type1DmaSpace dma = container.iommu().get();
        for (var mapping : dma.entries()) {
            var range = dev.custody.model.mapping.IovaRange.ofLength(mapping.iova(), mapping.size());
            if (geometry.validRanges().stream().noneMatch(valid -> valid.contains(range))) {
                return fail(
                        Errno.EINVAL,
                        "mapping " + range + " of container " + container.label()
                                + " lies outside the IOVA ranges the joining IOMMU allows");
            }
        }
        if (geometry.pageSize() != dma.pageSize() || !geometry.validRanges().equals(dma.validRanges())) {
            tx.emit(new dev.custody.model.event.FileEvent.Type1GeometrySet(
                    containerId, geometry.pageSize(), geometry.validRanges()));
        }
        return OK;
    }

    /** vfio_iommu_type1_attach_group: reuse the container's domain for that IOMMU, else allocate one. */
    static Outcome<Reply> attachGroup(Tx tx, FileId containerId, GroupId groupId) {
        VfioContainer container = tx.state().fileAs(containerId, VfioContainer.class);
        GroupState group = tx.state().group(groupId).orElseThrow();
        String iommu = tx.state().iommuOf(group);
        DomainId domain = container.domains().get(iommu);
        if (domain == null) {
            domain = tx.nextDomainId();
            String label = container.domains().isEmpty() ? container.label() : container.label() + "@" + iommu;
            IommuSpec spec = tx.state().topology().iommus().get(iommu);
            tx.emit(new DomainAllocated(new DomainState(
                    domain,
                    label,
                    DomainKind.PAGING,
                    iommu,
                    new DomainUse.Type1Paging(
                            containerId, IommuDomainMappings.empty(spec.pageSizeBitmap(), spec.addressWidth())))));
            tx.emit(new ContainerDomainSet(containerId, iommu, Optional.of(domain)));
            if (container.iommu().isPresent()) {
                // vfio_iommu_replay: a domain new to the container gets every vfio_dma already there
                Outcome<Reply> filled =
                        DomainTables.fillType1(tx, domain, container.iommu().get());
                if (!filled.isOk()) {
                    return filled;
                }
            }
        }
        return DomainRules.attachGroup(tx, tx.state().group(groupId).orElseThrow(), domain);
    }

    /** vfio_iommu_type1_detach_group: back to the blocking domain; a domain nobody uses is freed. */
    static void detachGroup(Tx tx, FileId containerId, GroupId groupId) {
        GroupState group = tx.state().group(groupId).orElseThrow();
        DomainRules.detachGroupOp(tx, group);
        VfioContainer container = tx.state().fileAs(containerId, VfioContainer.class);
        String iommu = tx.state().iommuOf(group);
        DomainId domain = container.domains().get(iommu);
        boolean stillUsed = domain != null && !tx.state().groupsOn(domain).isEmpty();
        if (domain != null && !stillUsed) {
            tx.emit(new ContainerDomainSet(containerId, iommu, Optional.empty()));
            tx.emit(new DomainFreed(domain));
        }
    }

    /** The last group left: the IOMMU driver is released with its mappings (vfio_container_detach_group). */
    static void afterGroupLeft(Tx tx, FileId containerId) {
        List<GroupId> remaining = tx.state().groupFilesIn(containerId).stream()
                .flatMap(f -> f.group().stream())
                .toList();
        if (!remaining.isEmpty()) {
            regeometry(tx, containerId, remaining); // a leaving group can only widen what is allowed
            return;
        }
        VfioContainer container = tx.state().fileAs(containerId, VfioContainer.class);
        if (container.iommuDriver().isPresent()) {
            tx.emit(new ContainerIommuDriverSet(containerId, Optional.empty()));
        }
        FileLifecycle.releaseIfUnused(tx, containerId);
    }
}
