package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IommuType;
import dev.custody.model.Topology;
import dev.custody.model.Type1MapFlag;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A QEMU using the VFIO group and container path: takes a group for vfio-pci, opens the group and a
 * container, sets the IOMMU, gets device fds, maps and unmaps guest memory, then closes everything,
 * sometimes in a clean order, sometimes all at once in any order, as a crashed QEMU does.
 */
final class VfioUserAgent extends PlannedAgent {

    VfioUserAgent(String name, long seed, Topology topology) {
        super(name, seed, topology);
    }

    /** One VM's life with one group. */
    @Override
    protected void planLife() {
        GroupId group = anyGroup();
        List<DeviceId> members = members(group);
        // often the whole group; sometimes one function while its siblings keep their drivers (a kernel-DMA one: EPERM)
        List<DeviceId> taken = random.nextBoolean() ? members : List.of(members.get(random.nextInt(members.size())));
        takeForVfio(taken);
        step("container", () -> Optional.of(new Command.ContainerOpen(name() + "-c")));
        step("group", () -> Optional.of(new Command.GroupOpen(group, name() + "-g")));
        step(null, () -> pair("group", "container", Command.SetContainer::new));
        step(
                null,
                () -> memory.latest("container")
                        .map(c -> new Command.ContainerSetIommu(
                                c, random.nextInt(4) == 0 ? IommuType.TYPE1 : IommuType.TYPE1V2)));
        for (DeviceId device : taken) {
            if (random.nextBoolean()) {
                step(
                        "device",
                        () -> memory.latest("group").map(g -> new Command.GetDeviceFd(g, device, name() + "-d")));
            }
        }
        int maps = random.nextInt(4);
        for (int i = 0; i < maps; i++) {
            long iova = 0x200000L * random.nextInt(16);
            step(
                    null,
                    () -> memory.latest("container")
                            .map(c -> new Command.Type1MapDma(
                                    c,
                                    iova,
                                    0x7f0000000000L + iova,
                                    0x1000L << random.nextInt(10),
                                    Set.of(Type1MapFlag.READ, Type1MapFlag.WRITE))));
        }
        if (random.nextInt(3) == 0) {
            step(null, () -> memory.latest("container").map(c -> new Command.Type1UnmapDma(c, 0, 0, true)));
        }
        boolean crash = random.nextInt(3) == 0;
        if (!crash) {
            step(null, () -> memory.latest("group").map(Command.UnsetContainer::new));
        }
        step(null, () -> closeOne(crash));
        for (int i = 0; i < 6; i++) {
            step(null, () -> closeOne(crash));
        }
    }

    /** Closes one remaining fd: device fds first when clean, any order when crashing. */
    private Optional<Command<?>> closeOne(boolean crash) {
        List<String> order =
                crash ? shuffled(List.of("device", "group", "container")) : List.of("device", "group", "container");
        for (String role : order) {
            List<Handle> open = memory.all(role);
            if (!open.isEmpty()) {
                Handle handle = open.get(random.nextInt(open.size()));
                memory.forget(handle);
                return Optional.of(new Command.Close(handle));
            }
        }
        return Optional.empty();
    }

    private List<String> shuffled(List<String> roles) {
        java.util.ArrayList<String> copy = new java.util.ArrayList<>(roles);
        java.util.Collections.shuffle(copy, random);
        return copy;
    }
}
