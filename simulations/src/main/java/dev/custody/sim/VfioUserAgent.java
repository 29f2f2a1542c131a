package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A QEMU using the VFIO group and container path: takes a group for vfio-pci, opens the group and a
 * container, sets the IOMMU, gets device fds, maps and unmaps guest memory, then closes everything,
 * sometimes in a clean order, sometimes all at once in any order, as a crashed QEMU does.
 */
final class VfioUserAgent implements Agent {
    private final String name;
    private final Random random;
    private final Topology topology;
    private final List<GroupId> groups;
    private final AgentMemory memory = new AgentMemory();
    private final Deque<Supplier<Optional<Command>>> plan = new ArrayDeque<>();
    private Optional<String> lastRole = Optional.empty();

    VfioUserAgent(String name, long seed, Topology topology) {
        this.name = name;
        this.random = new Random(seed);
        this.topology = topology;
        this.groups = topology.devices().values().stream().flatMap(d -> d.group().stream()).distinct().toList();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Command next() {
        while (true) {
            if (plan.isEmpty()) {
                planLife();
            }
            Optional<Command> command = plan.poll().get();
            if (command.isPresent()) {
                return command.get();
            }
        }
    }

    /** One VM's life with one group. */
    private void planLife() {
        memory.forgetAll();
        GroupId group = groups.get(random.nextInt(groups.size()));
        List<DeviceId> members = topology.devices().values().stream()
                .filter(d -> d.group().equals(Optional.of(group))).map(d -> d.id()).toList();
        // often the whole group; sometimes one function while its siblings keep their drivers (spec 8.1)
        List<DeviceId> taken = random.nextBoolean() ? members : List.of(members.get(random.nextInt(members.size())));
        for (DeviceId device : taken) {
            step(null, () -> Optional.of(new Command.DriverUnbind(device)));
            step(null, () -> Optional.of(new Command.DriverBind(device, "vfio-pci")));
        }
        step("container", () -> Optional.of(new Command.ContainerOpen(name + "-c")));
        step("group", () -> Optional.of(new Command.GroupOpen(group, name + "-g")));
        step(null, () -> both("group", "container", Command.SetContainer::new));
        step(null, () -> memory.latest("container").map(c -> new Command.ContainerSetIommu(c,
                random.nextInt(4) == 0 ? "type1" : "type1v2")));
        for (DeviceId device : taken) {
            if (random.nextBoolean()) {
                step("device", () -> memory.latest("group").map(g -> new Command.GetDeviceFd(g, device, name + "-d")));
            }
        }
        int maps = random.nextInt(4);
        for (int i = 0; i < maps; i++) {
            long iova = 0x200000L * random.nextInt(16);
            step(null, () -> memory.latest("container").map(c -> new Command.Type1MapDma(c, iova, 0x7f0000000000L + iova,
                    0x1000L << random.nextInt(10), Set.of("READ", "WRITE"))));
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
    private Optional<Command> closeOne(boolean crash) {
        List<String> order = crash ? shuffled(List.of("device", "group", "container")) : List.of("device", "group", "container");
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

    private Optional<Command> both(String first, String second, java.util.function.BiFunction<Handle, Handle, Command> make) {
        Optional<Handle> a = memory.latest(first);
        Optional<Handle> b = memory.latest(second);
        return a.isPresent() && b.isPresent() ? Optional.of(make.apply(a.get(), b.get())) : Optional.empty();
    }

    private void step(String role, Supplier<Optional<Command>> command) {
        plan.add(() -> {
            lastRole = Optional.ofNullable(role);
            return command.get();
        });
    }

    @Override
    public void observe(Command command, Outcome<Reply> outcome) {
        lastRole.ifPresent(role -> memory.remember(role, outcome));
    }
}
