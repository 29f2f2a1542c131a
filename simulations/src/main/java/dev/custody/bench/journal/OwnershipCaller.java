package dev.custody.bench.journal;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IommuType;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Supplier;

/**
 * One caller of the journal benchmark: over and over, it takes one of its own groups for vfio-pci
 * and gives it a VM's life through the VFIO group/container path or the iommufd cdev path, then
 * closes everything. Callers own disjoint groups, so (nearly) every call succeeds and changes
 * ownership: the benchmark measures durable decisions, not cheap refusals. Not thread safe; the
 * benchmark drives each caller with one call in flight at a time.
 */
final class OwnershipCaller {
    private final String name;
    private final Random random;
    private final List<GroupId> groups;
    private final Map<GroupId, List<DeviceId>> members;
    private final Deque<Step> plan = new ArrayDeque<>();
    private final Map<String, Handle> handles = new HashMap<>();
    private Optional<String> pendingRole = Optional.empty();

    private record Step(String role, Supplier<Optional<Command<?>>> command) {}

    /** {@code members}: the present devices of each group the caller owns (every list non-empty), in a fixed order. */
    OwnershipCaller(String name, long seed, Map<GroupId, List<DeviceId>> members) {
        this.name = name;
        this.random = new Random(seed);
        this.members = Map.copyOf(members);
        this.groups = List.copyOf(members.keySet()); // the caller's order, so a seed gives one script
    }

    /** The next call; steps whose handle an earlier refusal never produced are skipped. */
    Command<?> next() {
        while (true) {
            if (plan.isEmpty()) {
                planLife();
            }
            Step step = plan.poll();
            Optional<Command<?>> command = step.command().get();
            if (command.isPresent()) {
                pendingRole = Optional.ofNullable(step.role());
                return command.get();
            }
        }
    }

    /** The answer to the call {@link #next} returned: remembers the handle it created, if any. */
    void observe(Outcome<Reply> outcome) {
        if (pendingRole.isPresent()
                && outcome instanceof Outcome.Ok<Reply> ok
                && ok.value() instanceof Reply.Created created) {
            handles.put(pendingRole.get(), created.handle());
        }
        pendingRole = Optional.empty();
    }

    private void planLife() {
        handles.clear();
        GroupId group = groups.get(random.nextInt(groups.size()));
        List<DeviceId> devices = members.get(group);
        for (DeviceId device : devices) {
            step(null, new Command.DriverUnbind(device));
            step(null, new Command.DriverBind(device, "vfio-pci"));
        }
        DeviceId first = devices.getFirst();
        if (random.nextBoolean()) {
            vfioLife(group, first);
        } else {
            iommufdLife(first);
        }
    }

    private void vfioLife(GroupId group, DeviceId device) {
        step("container", new Command.ContainerOpen(name + "-c"));
        step("group", new Command.GroupOpen(group, name + "-g"));
        step(null, () -> both("group", "container", Command.SetContainer::new));
        step(null, () -> with("container", c -> new Command.ContainerSetIommu(c, IommuType.TYPE1V2)));
        step("device", () -> with("group", g -> new Command.GetDeviceFd(g, device, name + "-d")));
        step(null, () -> with("device", Command.Close::new));
        step(null, () -> with("group", Command.UnsetContainer::new));
        step(null, () -> with("group", Command.Close::new));
        step(null, () -> with("container", Command.Close::new));
    }

    private void iommufdLife(DeviceId device) {
        step("iommufd", new Command.IommufdOpen(name + "-i"));
        step("cdev", new Command.CdevOpen(device, name + "-cdev"));
        step(null, () -> both("cdev", "iommufd", Command.CdevBind::new));
        step("ioas", () -> with("iommufd", i -> new Command.IoasAlloc(i, name + "-ioas")));
        step(null, () -> both("cdev", "ioas", (c, ioas) -> new Command.CdevAttach(c, ioas, Optional.empty())));
        step(null, () -> with("cdev", Command.CdevDetach::new));
        step(null, () -> with("cdev", Command.Close::new));
        step(null, () -> with("iommufd", Command.Close::new));
    }

    private Optional<Command<?>> with(String role, java.util.function.Function<Handle, Command<?>> make) {
        return Optional.ofNullable(handles.get(role)).map(make);
    }

    private Optional<Command<?>> both(
            String first, String second, java.util.function.BiFunction<Handle, Handle, Command<?>> make) {
        Handle a = handles.get(first);
        Handle b = handles.get(second);
        return a != null && b != null ? Optional.of(make.apply(a, b)) : Optional.empty();
    }

    private void step(String role, Command<?> command) {
        plan.add(new Step(role, () -> Optional.of(command)));
    }

    private void step(String role, Supplier<Optional<Command<?>>> command) {
        plan.add(new Step(role, command));
    }
}
