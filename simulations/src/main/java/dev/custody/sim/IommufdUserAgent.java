package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.HwptAllocFlag;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.Topology;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A VMM using iommufd and VFIO cdevs: binds devices of a group to one iommufd, attaches them to an
 * IOAS (an automatic HWPT), sometimes replaces with an explicit HWPT (after asking for the IOMMU's
 * information and trying a nesting parent), maps, copies and unmaps, detaches, and
 * closes, sometimes closing /dev/iommu before the cdevs.
 */
final class IommufdUserAgent extends PlannedAgent {

    IommufdUserAgent(String name, long seed, Topology topology) {
        super(name, seed, topology);
    }

    @Override
    protected void planLife() {
        GroupId group = anyGroup();
        List<DeviceId> members = members(group);
        List<DeviceId> used = members.subList(0, 1 + random.nextInt(members.size()));
        takeForVfio(used);
        step("iommufd", () -> Optional.of(new Command.IommufdOpen(name() + "-x")));
        step("ioas", () -> memory.latest("iommufd").map(x -> new Command.IoasAlloc(x, name() + "-ioas")));
        for (DeviceId device : used) {
            step("cdev", () -> Optional.of(new Command.CdevOpen(device, name() + "-cdev")));
            step(null, () -> pair("cdev", "iommufd", Command.CdevBind::new));
            step(
                    "hwpt",
                    () -> pair("cdev", "ioas", (c, i) -> new Command.CdevAttach(c, i, Optional.of(name() + "-auto"))));
        }
        if (random.nextBoolean()) {
            // as a VMM with a virtual IOMMU: ask what the IOMMU is, try a nesting parent, and on
            // EOPNOTSUPP (no nesting on this IOMMU) fall back to a plain HWPT
            step(null, () -> pair("iommufd", "cdev", (x, c) -> new Command.GetHwInfo(x, c, 0, 0, 64)));
            step(null, () -> hwptAlloc(Set.of(HwptAllocFlag.NEST_PARENT)));
            step("hwpt", () -> hwptAlloc(Set.of()));
            step(null, () -> pair("cdev", "hwpt", (c, h) -> new Command.CdevAttach(c, h, Optional.empty())));
        }
        OptionalLong copyFrom = OptionalLong.empty();
        for (int i = 0; i < random.nextInt(4); i++) {
            boolean fixed = random.nextBoolean();
            long iova = 0x200000L * (1 + random.nextInt(16));
            if (fixed) {
                copyFrom = OptionalLong.of(iova);
            }
            step(
                    null,
                    () -> memory.latest("ioas")
                            .map(io -> new Command.IoasMap(
                                    io,
                                    fixed ? OptionalLong.of(iova) : OptionalLong.empty(),
                                    0x1000L << random.nextInt(9),
                                    Set.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE))));
        }
        if (copyFrom.isPresent() && random.nextBoolean()) {
            // IOAS_COPY of a fixed map's first page to a place the IOAS chooses (a second view of the
            // same pinned pages, as a VMM does when it moves guest memory between address spaces)
            long source = copyFrom.getAsLong();
            step(
                    null,
                    () -> memory.latest("ioas")
                            .map(io -> new Command.IoasCopy(
                                    io,
                                    source,
                                    io,
                                    OptionalLong.empty(),
                                    0x1000L,
                                    Set.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE))));
        }
        if (random.nextBoolean()) {
            step(null, () -> memory.latest("ioas").map(io -> new Command.IoasUnmap(io, 0, -1L)));
        }
        if (random.nextBoolean()) {
            step(null, () -> memory.latest("cdev").map(Command.CdevDetach::new));
        }
        boolean iommufdFirst = random.nextInt(3) == 0;
        if (iommufdFirst) {
            step(null, () -> memory.latest("iommufd").map(Command.Close::new));
        }
        for (int i = 0; i < used.size(); i++) {
            step(null, () -> takeAny("cdev").map(Command.Close::new));
        }
        if (!iommufdFirst) {
            step(null, () -> memory.latest("iommufd").map(Command.Close::new));
        }
    }

    private Optional<Command<?>> hwptAlloc(Set<HwptAllocFlag> flags) {
        Optional<Handle> x = memory.latest("iommufd");
        Optional<Handle> c = memory.latest("cdev");
        Optional<Handle> i = memory.latest("ioas");
        return x.isPresent() && c.isPresent() && i.isPresent()
                ? Optional.of(new Command.HwptAlloc(x.get(), c.get(), i.get(), name() + "-hwpt", flags))
                : Optional.empty();
    }

    private Optional<Handle> takeAny(String role) {
        Optional<Handle> handle = memory.any(role, random);
        handle.ifPresent(memory::forget);
        return handle;
    }
}
