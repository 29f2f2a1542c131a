package dev.custody.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.Command;
import dev.custody.model.Command.*;
import dev.custody.model.DeviceSpec;
import dev.custody.model.Handle;
import dev.custody.model.IommuSpec;
import dev.custody.model.Topology;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a trace as a scenario file (scenario-format.md) with each step's answer as its expectation:
 * `custody scenario run` then replays exactly what the simulation saw. Objects a step created are
 * named {@code o<step>}; a reference to an object whose creating call was dropped becomes fd -1.
 */
public final class ScenarioEmitter {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Map<Handle, String> names = new HashMap<>();
    private final Map<Handle, String> closeOps = new HashMap<>();

    /**
     * The trace replayed under the rules of the run that found it ({@code mutants}), with every
     * object named as the file names it, so each step's group states can be written as expectations:
     * the file then shows exactly where the correct rules (what `scenario run` uses) part from the run.
     */
    public static String write(String name, String description, Topology topology, List<TraceEntry> trace,
                               java.util.Set<dev.custody.rules.Mutant> mutants) {
        List<List<ObjectNode>> states = new java.util.ArrayList<>();
        List<TraceEntry> relabeled = new java.util.ArrayList<>();
        dev.custody.model.state.KernelState state = dev.custody.rules.Kernel.boot(topology).state();
        for (int i = 0; i < trace.size(); i++) {
            Command command = withLabel(trace.get(i).command(), "o" + (i + 1));
            dev.custody.rules.Decision decision = dev.custody.rules.Kernel.decide(state, command, mutants);
            relabeled.add(new TraceEntry(trace.get(i).agent(), command, decision.outcome()));
            // the groups the step changed, and the group of a device it names even when unchanged
            // (a rule that wrongly changes nothing shows only there)
            java.util.Set<dev.custody.model.GroupId> named = namedGroups(topology, command);
            List<ObjectNode> changed = new java.util.ArrayList<>();
            for (var group : decision.state().groups().values()) {
                if (!group.equals(state.groups().get(group.id())) || named.contains(group.id())) {
                    changed.add(groupState(decision.state(), group));
                }
            }
            states.add(changed);
            state = decision.state();
        }
        return write(name, description, topology, relabeled, states);
    }

    private static java.util.Set<dev.custody.model.GroupId> namedGroups(Topology topology, Command command) {
        java.util.Set<dev.custody.model.GroupId> groups = new java.util.TreeSet<>();
        try {
            for (var component : command.getClass().getRecordComponents()) {
                Object value = component.getAccessor().invoke(command);
                if (value instanceof dev.custody.model.DeviceId device && topology.devices().containsKey(device)) {
                    topology.device(device).group().ifPresent(groups::add);
                } else if (value instanceof dev.custody.model.GroupId group) {
                    groups.add(group);
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return groups;
    }

    private static ObjectNode groupState(dev.custody.model.state.KernelState state, dev.custody.model.state.GroupState group) {
        ObjectNode node = JSON.objectNode();
        node.put("group", group.id().number());
        node.put("ownerCnt", group.ownerCnt());
        node.put("owner", group.owner().map(o -> o.label()).orElse(null));
        node.put("domain", dev.custody.rules.Describe.domainOf(state, group, group.domain()));
        return node;
    }

    /** The command with its label (the name the engine gives what it creates) set to the file's name for it. */
    private static Command withLabel(Command command, String label) {
        var components = command.getClass().getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        boolean labelled = false;
        try {
            for (int i = 0; i < components.length; i++) {
                Object value = components[i].getAccessor().invoke(command);
                if (components[i].getName().equals("label")) {
                    value = value instanceof Optional<?> ? Optional.of(label) : label;
                    labelled = true;
                }
                values[i] = value;
                types[i] = components[i].getType();
            }
            return labelled ? (Command) command.getClass().getDeclaredConstructor(types).newInstance(values) : command;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot relabel " + command, e);
        }
    }

    private static String write(String name, String description, Topology topology, List<TraceEntry> trace,
                                List<List<ObjectNode>> states) {
        ObjectNode file = JSON.objectNode();
        file.put("name", name);
        file.put("description", description);
        file.set("topology", topology(topology));
        ArrayNode steps = file.putArray("steps");
        ScenarioEmitter emitter = new ScenarioEmitter();
        for (int i = 0; i < trace.size(); i++) {
            ObjectNode step = emitter.step(i + 1, trace.get(i));
            List<ObjectNode> changed = states.get(i);
            if (changed.size() == 1) {
                step.set("expectState", changed.getFirst());
            } else if (changed.size() > 1) {
                step.putArray("expectState").addAll(changed);
            }
            steps.add(step);
        }
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(file) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode topology(Topology topology) {
        ObjectNode node = JSON.objectNode();
        ArrayNode iommus = node.putArray("iommus");
        for (IommuSpec iommu : topology.iommus().values()) {
            ObjectNode entry = iommus.addObject().put("name", iommu.name()).put("addressWidth", iommu.addressWidth());
            ArrayNode sizes = entry.putArray("pageSizes");
            for (int bit = 12; bit < 64; bit++) {
                if ((iommu.pageSizeBitmap() & (1L << bit)) != 0) {
                    sizes.add(1L << bit);
                }
            }
        }
        ArrayNode devices = node.putArray("devices");
        for (DeviceSpec device : topology.devices().values()) {
            ObjectNode entry = devices.addObject().put("name", device.id().name());
            device.iommu().ifPresent(i -> entry.put("iommu", i));
            device.group().ifPresent(g -> entry.put("group", g.number()));
            ArrayNode matches = entry.putArray("matches");
            device.matches().forEach(matches::add);
            if (device.requireDirect()) {
                entry.put("requireDirect", true);
            }
            if (!device.present()) {
                entry.put("present", false);
            }
            device.bootDriver().ifPresent(d -> entry.put("driver", d));
        }
        return node;
    }

    private ObjectNode step(int number, TraceEntry entry) {
        ObjectNode step = JSON.objectNode();
        Command command = entry.command();
        switch (command) {
            case DeviceAdd c -> op(step, "device.add").put("device", c.device().name());
            case DeviceRemove c -> op(step, "device.remove").put("device", c.device().name());
            case DriverBind c -> op(step, "driver.bind").put("device", c.device().name()).put("driver", c.driver());
            case DriverUnbind c -> op(step, "driver.unbind").put("device", c.device().name());
            case DriverOverride c -> op(step, "driver.override").put("device", c.device().name()).put("driver", c.driver().orElse(null));
            case DriverProbe c -> op(step, "driver.probe").put("device", c.device().name());
            case FailNextProbe c -> op(step, "driver.fail_next_probe").put("device", c.device().name()).put("errno", c.errno().name());
            case UseDefaultDomain c -> op(step, "iommu.use_default_domain").put("device", c.device().name());
            case UnuseDefaultDomain c -> op(step, "iommu.unuse_default_domain").put("device", c.device().name());
            case GroupClaim c -> op(step, "iommu.group_claim").put("group", c.group().number()).put("owner", c.owner().orElse(null));
            case GroupRelease c -> op(step, "iommu.group_release").put("group", c.group().number());
            case DeviceClaim c -> op(step, "iommu.device_claim").put("device", c.device().name()).put("owner", c.owner().orElse(null));
            case DeviceRelease c -> op(step, "iommu.device_release").put("device", c.device().name());
            case DomainAlloc c -> op(step, "iommu.domain_alloc").put("device", c.device().name());
            case DomainFree c -> ref(op(step, "iommu.domain_free"), "domain", c.domain());
            case AttachDevice c -> ref(op(step, "iommu.attach_device"), "domain", c.domain()).put("device", c.device().name());
            case DetachDevice c -> ref(op(step, "iommu.detach_device"), "domain", c.domain()).put("device", c.device().name());
            case AttachGroup c -> ref(op(step, "iommu.attach_group"), "domain", c.domain()).put("group", c.group().number());
            case DetachGroup c -> ref(op(step, "iommu.detach_group"), "domain", c.domain()).put("group", c.group().number());
            case ReplaceDomain c -> {
                op(step, "iommu.replace_domain").put("group", c.group().number());
                if (c.domain().isPresent()) {
                    ref(step, "domain", c.domain().get());
                } else {
                    step.putNull("domain");
                }
            }
            case AttachShared c -> ref(op(step, "iommu.attach_shared"), "domain", c.domain()).put("device", c.device().name());
            case DetachShared c -> ref(op(step, "iommu.detach_shared"), "domain", c.domain()).put("device", c.device().name());
            case IommuMap c -> ref(op(step, "iommu.map"), "domain", c.domain()).put("iova", hex(c.iova()))
                    .put("paddr", hex(c.paddr())).put("size", hex(c.size())).put("prot", (c.read() ? "r" : "") + (c.write() ? "w" : ""));
            case IommuUnmap c -> ref(op(step, "iommu.unmap"), "domain", c.domain()).put("iova", hex(c.iova())).put("size", hex(c.size()));
            case IovaToPhys c -> ref(op(step, "iommu.iova_to_phys"), "domain", c.domain()).put("iova", hex(c.iova()));
            case ContainerOpen c -> op(step, "vfio.container.open");
            case ContainerSetIommu c -> ref(op(step, "vfio.container.set_iommu"), "fd", c.fd()).put("type", c.type());
            case GroupOpen c -> op(step, "vfio.group.open").put("group", c.group().number());
            case GroupStatus c -> ref(op(step, "vfio.group.status"), "fd", c.fd());
            case SetContainer c -> ref(ref(op(step, "vfio.group.set_container"), "fd", c.fd()), "container", c.container());
            case UnsetContainer c -> ref(op(step, "vfio.group.unset_container"), "fd", c.fd());
            case GetDeviceFd c -> ref(op(step, "vfio.group.get_device_fd"), "fd", c.fd()).put("device", c.device().name());
            case Close c -> ref(op(step, closeOps.getOrDefault(c.fd(), "vfio.device.close")), "fd", c.fd());
            case IommufdOpen c -> op(step, "iommufd.open");
            case CdevOpen c -> op(step, "cdev.open").put("device", c.device().name());
            case CdevBind c -> ref(ref(op(step, "cdev.bind"), "fd", c.fd()), "iommufd", c.iommufd());
            case CdevAttach c -> ref(ref(op(step, "cdev.attach"), "fd", c.fd()), "pt", c.pt());
            case CdevDetach c -> ref(op(step, "cdev.detach"), "fd", c.fd());
            case IoasAlloc c -> ref(op(step, "iommufd.ioas_alloc"), "iommufd", c.iommufd());
            case HwptAlloc c -> ref(ref(ref(op(step, "iommufd.hwpt_alloc"), "iommufd", c.iommufd()), "device", c.device()), "pt", c.pt());
            case Destroy c -> ref(ref(op(step, "iommufd.destroy"), "iommufd", c.iommufd()), "id", c.id());
            case Type1MapDma c -> {
                ref(op(step, "vfio.map_dma"), "container", c.container()).put("iova", hex(c.iova()))
                        .put("vaddr", hex(c.vaddr())).put("size", hex(c.size()));
                ArrayNode flags = step.putArray("flags");
                c.flags().stream().sorted().forEach(flags::add);
            }
            case Type1UnmapDma c -> ref(op(step, "vfio.unmap_dma"), "container", c.container()).put("iova", hex(c.iova()))
                    .put("size", hex(c.size())).put("all", c.all());
            case IoasMap c -> {
                ref(op(step, "iommufd.ioas_map"), "ioas", c.ioas());
                c.iova().ifPresent(iova -> step.put("iova", hex(iova)));
                step.put("length", hex(c.length()));
                ArrayNode flags = step.putArray("flags");
                c.flags().stream().sorted().forEach(flags::add);
            }
            case IoasUnmap c -> ref(op(step, "iommufd.ioas_unmap"), "ioas", c.ioas()).put("iova", hex(c.iova())).put("length", hex(c.length()));
            case IoasIovaRanges c -> ref(op(step, "iommufd.iova_ranges"), "ioas", c.ioas()).put("num", c.capacity());
            case IoasAllowIovas c -> {
                ref(op(step, "iommufd.allow_iovas"), "ioas", c.ioas());
                ArrayNode ranges = step.putArray("ranges");
                c.ranges().forEach(r -> ranges.addArray().add(hex(r[0])).add(hex(r[1])));
            }
            case SysfsGroupType c -> {
                op(step, "sysfs.group_type").put("group", c.group().number()).put("value", c.value());
                ArrayNode caps = step.putArray("caps");
                c.capabilities().stream().sorted().forEach(caps::add);
            }
            case QueryGroup c -> op(step, "state").put("group", c.group().number());
        }
        Optional<Handle> created = entry.created();
        if (created.isPresent()) {
            String name = "o" + number;
            step.put("as", name);
            names.put(created.get(), name);
            closeOps.putIfAbsent(created.get(), closeOp(command));
        }
        step.put("expect", entry.outcome().resultName());
        step.put("comment", entry.agent());
        return step;
    }

    private static String closeOp(Command creator) {
        return switch (creator) {
            case ContainerOpen c -> "vfio.container.close";
            case GroupOpen c -> "vfio.group.close";
            case IommufdOpen c -> "iommufd.close";
            case CdevOpen c -> "cdev.close";
            default -> "vfio.device.close";
        };
    }

    private static ObjectNode op(ObjectNode step, String op) {
        step.put("op", op);
        return step;
    }

    private ObjectNode ref(ObjectNode step, String field, Handle handle) {
        String name = names.get(handle);
        if (name != null) {
            step.put(field, name);
        } else if (handle instanceof Handle.Number n) {
            step.put(field, n.value());
        } else {
            step.put(field, -1);
        }
        return step;
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
