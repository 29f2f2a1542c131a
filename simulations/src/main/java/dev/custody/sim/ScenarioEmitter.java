package dev.custody.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IommuSpec;
import dev.custody.model.Topology;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operation;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Describe;
import dev.custody.rules.Kernel;
import dev.custody.rules.Mutant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes a trace as a scenario file (docs/scenario-format.md) with each step's answer as its
 * expectation: `custody scenario run` then replays exactly what the simulation saw. Objects a step
 * created are named {@code o<step>}; a reference to an object whose creating call was dropped
 * becomes fd -1. Steps are written by the operation catalogue, as every other writer writes them.
 */
public final class ScenarioEmitter {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Map<Handle, String> names = new HashMap<>();
    /** How each fd is closed in the file: the spelling of close that matches the kind of file it is. */
    private final Map<Handle, String> closeOps = new HashMap<>();

    /**
     * The trace replayed under the rules of the run that found it ({@code mutants}), with every
     * object named as the file names it, so each step's group states can be written as expectations:
     * the file then shows exactly where the correct rules (what `scenario run` uses) part from the run.
     */
    public static String write(
            String name, String description, Topology topology, List<TraceEntry> trace, Set<Mutant> mutants) {
        List<List<ObjectNode>> states = new ArrayList<>();
        List<TraceEntry> relabeled = new ArrayList<>();
        KernelState state = Kernel.boot(topology).state();
        for (int i = 0; i < trace.size(); i++) {
            Command<?> command = Operations.relabel(trace.get(i).command(), "o" + (i + 1));
            Decision decision = Operations.decide(state, command, mutants);
            relabeled.add(new TraceEntry(trace.get(i).agent(), command, decision.outcome()));
            // the groups the step changed, and the group of a device it names even when unchanged
            // (a rule that wrongly changes nothing shows only there)
            Set<GroupId> named = namedGroups(topology, command);
            List<ObjectNode> changed = new ArrayList<>();
            for (GroupState group : decision.state().groups().values()) {
                if (!group.equals(state.groups().get(group.id())) || named.contains(group.id())) {
                    changed.add(groupState(decision.state(), group));
                }
            }
            states.add(changed);
            state = decision.state();
        }
        return write(name, description, topology, relabeled, states);
    }

    private static Set<GroupId> namedGroups(Topology topology, Command<?> command) {
        Set<GroupId> groups = new TreeSet<>(Operations.groups(command));
        for (DeviceId device : Operations.devices(command)) {
            if (topology.devices().containsKey(device)) {
                topology.device(device).group().ifPresent(groups::add);
            }
        }
        return groups;
    }

    private static ObjectNode groupState(KernelState state, GroupState group) {
        ObjectNode node = JSON.objectNode();
        node.put("group", group.id().number());
        node.put("ownerCnt", group.ownerCnt());
        node.put("owner", group.owner().map(o -> o.label()).orElse(null));
        node.put("domain", Describe.domainOf(state, group, group.domain()));
        return node;
    }

    private static String write(
            String name, String description, Topology topology, List<TraceEntry> trace, List<List<ObjectNode>> states) {
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
        Command<?> command = entry.command();
        Operation<?> operation = command instanceof Command.Close close
                ? Operations.find(closeOps.getOrDefault(close.fd(), "vfio.device.close"))
                        .orElseThrow()
                : Operations.of(command);
        ObjectNode step = operation.write(command, this::name);
        step.remove("as"); // only what was created gets a name: a failed creation names nothing
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

    private static String closeOp(Command<?> creator) {
        return switch (creator) {
            case Command.ContainerOpen c -> "vfio.container.close";
            case Command.GroupOpen c -> "vfio.group.close";
            case Command.IommufdOpen c -> "iommufd.close";
            case Command.CdevOpen c -> "cdev.close";
            default -> "vfio.device.close";
        };
    }

    /** An object by the name its creating step gave it; a number names itself; anything else is fd -1. */
    private JsonNode name(Handle handle) {
        String name = names.get(handle);
        if (name != null) {
            return JSON.textNode(name);
        }
        return handle instanceof Handle.Number n ? JSON.numberNode(n.value()) : JSON.numberNode(-1);
    }
}
