package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * A user that lives through a planned life (open, claim, map, close) one call at a time. Each step
 * builds its call from what earlier answers returned, and a step whose objects never came into being
 * is skipped, as a real program gives up on a path whose first call failed.
 */
abstract class PlannedAgent implements Agent {
    private final String name;
    protected final Random random;
    protected final Topology topology;
    private final List<GroupId> groups;
    private final Map<GroupId, List<DeviceId>> members = new HashMap<>();
    protected final AgentMemory memory = new AgentMemory();
    private final Deque<Supplier<Optional<Command<?>>>> plan = new ArrayDeque<>();
    private Optional<String> lastRole = Optional.empty();

    PlannedAgent(String name, long seed, Topology topology) {
        this.name = name;
        this.random = new Random(seed);
        this.topology = topology;
        this.groups = topology.devices().values().stream()
                .flatMap(d -> d.group().stream())
                .distinct()
                .toList();
        // looked up on every planned life: gathered once, in topology order, not searched each time
        topology.devices()
                .values()
                .forEach(d -> d.group()
                        .ifPresent(g -> members.computeIfAbsent(g, k -> new ArrayList<>())
                                .add(d.id())));
    }

    /** Plans the next life: the steps, in order, that {@link #next} will turn into calls. */
    protected abstract void planLife();

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Command<?> next() {
        while (true) {
            if (plan.isEmpty()) {
                memory.forgetAll();
                planLife();
            }
            Optional<Command<?>> command = plan.poll().get();
            if (command.isPresent()) {
                return command.get();
            }
        }
    }

    @Override
    public final void observe(Command<?> command, Outcome<Reply> outcome) {
        lastRole.ifPresent(role -> memory.remember(role, outcome));
    }

    /** Adds a step; what it creates is remembered under {@code role} (null: nothing to remember). */
    protected final void step(String role, Supplier<Optional<Command<?>>> command) {
        plan.add(() -> {
            lastRole = Optional.ofNullable(role);
            return command.get();
        });
    }

    protected final GroupId anyGroup() {
        return groups.get(random.nextInt(groups.size()));
    }

    protected final List<DeviceId> members(GroupId group) {
        return List.copyOf(members.getOrDefault(group, List.of()));
    }

    /** A call on the newest objects of two roles, when both exist. */
    protected final Optional<Command<?>> pair(
            String first, String second, BiFunction<Handle, Handle, Command<?>> make) {
        Optional<Handle> a = memory.latest(first);
        Optional<Handle> b = memory.latest(second);
        return a.isPresent() && b.isPresent() ? Optional.of(make.apply(a.get(), b.get())) : Optional.empty();
    }

    /** Takes over devices for vfio-pci: unbind whatever has them, bind vfio-pci. */
    protected final void takeForVfio(List<DeviceId> devices) {
        for (DeviceId device : devices) {
            step(null, () -> Optional.of(new Command.DriverUnbind(device)));
            step(null, () -> Optional.of(new Command.DriverBind(device, "vfio-pci")));
        }
    }
}
