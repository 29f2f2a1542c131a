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
     * Of {@code targets}, the IOASes holding an area the device's IOMMU cannot hold: past its aperture,
     * or over the MSI window every device reserves. Attaching the device there makes a new domain join
     * the IOAS, which the kernel refuses (iopt_table_enforce_dev_resv_regions, iopt_check_iova).
     */
    static List<IommufdObject> ioasesRefusing(Pick p, DeviceId device, List<IommufdObject> targets) {
        Optional<GroupState> group = p.state.groupOf(device);
        if (group.isEmpty()) {
            return List.of();
        }
        long last = apertureLast(p, group.get());
        IovaRange msi = IovaRange.ofLength(GuidedRanges.MSI, GuidedRanges.MSI_LENGTH);
        return targets.stream()
                .filter(t -> t instanceof IommufdObject.Ioas ioas
                        && ioas.space().areas().stream()
                                .anyMatch(
                                        a -> past(last, a.range()) || a.range().intersects(msi)))
                .toList();
    }
}
