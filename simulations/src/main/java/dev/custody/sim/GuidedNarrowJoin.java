package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.IommuSpec;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Joins of an address space whose existing mappings the joining group's IOMMU cannot hold: a group
 * behind a narrower IOMMU set to a container with an entry past its aperture. The kernel refuses the
 * join (vfio_iommu_aper_conflict: EINVAL) and releases the ownership it took; likewise a device
 * attached to an IOAS with an area past its aperture or over its MSI window. A stress tester makes
 * that join on purpose, since mapping first and adding devices later is how VMMs hot-plug.
 */
final class GuidedNarrowJoin {
    private GuidedNarrowJoin() {}

    /** 2^39: the first address past the narrow IOMMU's aperture, inside the wide one's. */
    static final long PAST_39_BITS = 1L << 39;

    /** The last address the IOMMU behind {@code group} can translate. */
    static long apertureLast(Pick p, GroupState group) {
        IommuSpec iommu = p.state.topology().iommus().get(p.state.iommuOf(group));
        return iommu.addressWidth() >= 64 ? -1L : (1L << iommu.addressWidth()) - 1;
    }

    private static boolean past(long last, IovaRange range) {
        return last != -1L && Long.compareUnsigned(range.last(), last) > 0;
    }

    /**
     * VFIO_GROUP_SET_CONTAINER aimed at success, of one of the role's group files no one holds into
     * one of its containers. Three times in four, a group behind a narrow IOMMU goes to a container
     * holding an entry past its aperture when there is one (refused), and otherwise waits while a wide
     * container with an IOMMU driver has no such entry yet: the role maps one first (see
     * {@link GuidedType1}), as a VMM hot-plugging a device into a running guest would meet it.
     */
    static Optional<Command<?>> setContainer(Pick p) {
        List<OpenFile.VfioGroupFile> files =
                p.mine(OpenFile.VfioGroupFile.class, g -> GuidedCast.unclaimedGroupFile(p, g));
        List<OpenFile.VfioContainer> containers = p.mine(OpenFile.VfioContainer.class, c -> true);
        if (files.isEmpty() || containers.isEmpty()) {
            return Optional.empty();
        }
        if (p.random.nextInt(4) != 0) {
            Optional<Command<?>> refused = intoContainer(p);
            if (refused.isPresent()) {
                return refused;
            }
            if (containers.stream().anyMatch(GuidedNarrowJoin::wideWithoutHighEntry)) {
                files = files.stream().filter(f -> !narrow(p, f)).toList();
            }
        }
        Optional<OpenFile.VfioContainer> container = p.one(containers);
        return p.one(files).flatMap(f -> container.map(c -> new Command.SetContainer(Pick.file(f), Pick.file(c))));
    }

    /** A container with an IOMMU driver whose valid ranges reach past 2^39 and with no entry there yet. */
    private static boolean wideWithoutHighEntry(OpenFile.VfioContainer c) {
        IovaRange high = IovaRange.ofLength(PAST_39_BITS, GuidedRanges.HUGE);
        return c.iommu().isPresent()
                && c.iommu().get().validRanges().stream().anyMatch(v -> v.contains(high))
                && c.iommu().get().entries().stream()
                        .noneMatch(e -> Long.compareUnsigned(e.range().last(), PAST_39_BITS) >= 0);
    }

    private static boolean narrow(Pick p, OpenFile.VfioGroupFile file) {
        return p.state
                .group(file.group().orElseThrow())
                .map(group -> past(apertureLast(p, group), IovaRange.ofLength(PAST_39_BITS, 1)))
                .orElse(false);
    }

    /** Whether the role holds a group file not in a container whose group sits behind a narrow IOMMU. */
    static boolean narrowGroupWaiting(Pick p) {
        return p.mine(OpenFile.VfioGroupFile.class, g -> GuidedCast.unclaimedGroupFile(p, g)).stream()
                .anyMatch(g -> narrow(p, g));
    }

    /**
     * VFIO_GROUP_SET_CONTAINER of one of the role's unclaimed group files into one of its containers
     * holding an entry past the group's aperture, if the role has such a pair.
     */
    static Optional<Command<?>> intoContainer(Pick p) {
        List<Command<?>> joins = new ArrayList<>();
        for (OpenFile.VfioGroupFile file :
                p.mine(OpenFile.VfioGroupFile.class, g -> GuidedCast.unclaimedGroupFile(p, g))) {
            GroupState group = p.state.group(file.group().orElseThrow()).orElseThrow();
            long last = apertureLast(p, group);
            for (OpenFile.VfioContainer container :
                    p.mine(OpenFile.VfioContainer.class, c -> c.iommu().isPresent())) {
                if (container.iommu().get().entries().stream().anyMatch(e -> past(last, e.range()))) {
                    joins.add(new Command.SetContainer(Pick.file(file), Pick.file(container)));
                }
            }
        }
        return p.one(joins);
    }

    /**
     * Of {@code targets} (objects of {@code ctx}), those a device's attach makes join an IOAS holding
     * an area the device cannot have: an IOAS with an area past its IOMMU's aperture (the new domain
     * reserves everything past it: iopt_table_add_domain, EADDRINUSE), or an IOAS or a HWPT on one
     * with an area over the MSI window every device reserves (iopt_table_enforce_dev_resv_regions).
     */
    static List<IommufdObject> targetsRefusing(
            Pick p, DeviceId device, OpenFile.IommufdFile ctx, List<IommufdObject> targets) {
        Optional<GroupState> group = p.state.groupOf(device);
        if (group.isEmpty()) {
            return List.of();
        }
        long last = apertureLast(p, group.get());
        return targets.stream()
                .filter(t -> switch (t) {
                    case IommufdObject.Ioas ioas ->
                        ioas.space().areas().stream()
                                .anyMatch(
                                        a -> past(last, a.range()) || a.range().intersects(MSI_WINDOW));
                    case IommufdObject.Hwpt hwpt ->
                        ctx.objects().get(hwpt.ioas()) instanceof IommufdObject.Ioas ioas && overMsi(ioas);
                    default -> false;
                })
                .toList();
    }

    private static final IovaRange MSI_WINDOW = IovaRange.ofLength(GuidedRanges.MSI, GuidedRanges.MSI_LENGTH);

    /** Whether an area of the IOAS lies over the MSI window. */
    static boolean overMsi(IommufdObject.Ioas ioas) {
        return ioas.space().areas().stream().anyMatch(a -> a.range().intersects(MSI_WINDOW));
    }
}
