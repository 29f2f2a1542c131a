package dev.custody.oracle;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.ModelEngine;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Caller;
import dev.custody.ops.HandleKind;
import dev.custody.ops.Operation;
import dev.custody.ops.Operations;
import dev.custody.ops.StepWriter;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.ScenarioParser;
import dev.custody.scenario.ScenarioRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Seeded random walks of user-space calls (driver core through sysfs, the VFIO group and container
 * path, iommufd and cdevs) for `custody oracle diff --random`, on machines of each shape the kernel
 * groups differently ({@link WalkMachines}), taken in turn. Every user-space operation of the
 * catalogue that has a generator is drawn, with the catalogue's generator; {@link WalkDraw} gives its
 * object arguments as the right object, one of the wrong kind, a stale name, an object of another
 * iommufd context or fd -1, and {@link WalkRanges} reshapes its ranges. An operation added to the
 * catalogue is drawn as soon as it has a generator and an agent line.
 *
 * <p>Two rules keep walks comparable: no driver-core call on a device whose unbind the model says is
 * still blocked, because the kernel would hold the device lock and that call would wait as well; and
 * only the machine's hot-plugged endpoint is removed and added back, as the VM can bring back only it.
 */
public final class RandomWalkScenarios {
    public static final String SOURCE_PREFIX = "random-walk";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** How often each operation is drawn, relative to the others; one the table does not name, {@link #NEW}. */
    private static final Map<String, Integer> WEIGHTS = Map.ofEntries(
            Map.entry("driver.bind", 8),
            Map.entry("driver.unbind", 4),
            Map.entry("driver.override", 4),
            Map.entry("driver.probe", 4),
            Map.entry("driver.new_id", 2),
            Map.entry("driver.remove_id", 1),
            Map.entry("device.remove", 2),
            Map.entry("device.add", 2),
            Map.entry("vfio.group.open", 7),
            Map.entry("vfio.container.open", 2),
            Map.entry("vfio.group.set_container", 5),
            Map.entry("vfio.container.set_iommu", 4),
            Map.entry("vfio.container.check_extension", 1),
            Map.entry("vfio.group.get_device_fd", 4),
            Map.entry("vfio.group.status", 2),
            Map.entry("vfio.group.unset_container", 2),
            Map.entry("vfio.map_dma", 4),
            Map.entry("vfio.unmap_dma", 3),
            Map.entry("iommufd.open", 2),
            Map.entry("cdev.open", 7),
            Map.entry("cdev.bind", 5),
            Map.entry("iommufd.ioas_alloc", 4),
            Map.entry("cdev.attach", 7),
            Map.entry("cdev.detach", 3),
            Map.entry("iommufd.hwpt_alloc", 3),
            Map.entry("iommufd.destroy", 3),
            Map.entry("iommufd.ioas_map", 5),
            Map.entry("iommufd.ioas_unmap", 3),
            Map.entry("iommufd.iova_ranges", 1),
            Map.entry("iommufd.allow_iovas", 1),
            // refused on every HWPT of the oracle's VT-d (no dirty tracking): seldom, as other queries
            Map.entry("iommufd.hwpt_set_dirty_tracking", 1),
            Map.entry("iommufd.hwpt_get_dirty_bitmap", 1),
            Map.entry("vfio.device.close", 5),
            Map.entry("sysfs.group_type", 2),
            Map.entry("state", 2));

    private static final int NEW = 3;

    /** Close spellings by the kind of file closed: close(2) is one call, a step names what it closes. */
    private static final Map<HandleKind, String> CLOSES = Map.of(
            HandleKind.GROUP_FILE, "vfio.group.close",
            HandleKind.CONTAINER, "vfio.container.close",
            HandleKind.DEVICE_FILE, "vfio.device.close",
            HandleKind.IOMMUFD, "iommufd.close",
            HandleKind.CDEV, "cdev.close");

    /** The operations walks draw: user-space ones with a generator, and the harness's reading of a group. */
    static List<Operation<?>> vocabulary() {
        return Operations.all().stream()
                .filter(Operation::generates)
                .filter(op -> op.caller() == Caller.USER_SPACE || op.name().equals("state"))
                .toList();
    }

    private final WalkMachine machine;
    private final SplittableRandom random;
    private final String source;
    private final ArrayNode steps = JSON.arrayNode();
    private final WalkDraw draw;
    private final WalkRanges ranges;
    private final List<Operation<?>> vocabulary = vocabulary();
    private final int totalWeight;
    /** The model's state after the steps so far. */
    private KernelState model;

    private final WalkReach reach = new WalkReach();
    private final WalkDynamicIds dynamicIds;

    private RandomWalkScenarios(long seed, String source, WalkMachine machine) {
        this.random = new SplittableRandom(seed);
        this.source = source;
        this.machine = machine;
        List<GroupId> groups = new ArrayList<>(
                ScenarioParser.parse(source, document(machine, JSON.arrayNode())).topology().devices().values().stream()
                        .filter(d -> machine.endpoints().contains(d.id().name()))
                        .map(d -> d.group().orElseThrow())
                        .distinct()
                        .sorted(java.util.Comparator.comparingInt(GroupId::number))
                        .toList());
        this.draw = new WalkDraw(random, machine, groups);
        this.ranges = new WalkRanges(draw);
        this.dynamicIds = new WalkDynamicIds(random, machine);
        this.totalWeight = vocabulary.stream().mapToInt(this::weight).sum();
        ModelEngine engine = new ModelEngine();
        ScenarioRunner.run(parse(), engine, line -> {});
        this.model = engine.state();
    }

    public static List<Scenario> generate(int count, long seed, int length) {
        List<Scenario> scenarios = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String source = SOURCE_PREFIX + "-seed-" + seed + "-" + i;
            RandomWalkScenarios walk = new RandomWalkScenarios(
                    seed * 1_000_003L + i, source, WalkMachines.ALL.get(i % WalkMachines.ALL.size()));
            scenarios.add(walk.walk(length));
        }
        return scenarios;
    }

    /** Writes a walk into {@code dir} as {@code <source>.json} in the corpus's layout; returns the file. */
    public static java.nio.file.Path write(Scenario walk, java.nio.file.Path dir) {
        WalkMachine machine = WalkMachines.of(walk)
                .orElseThrow(() -> new IllegalArgumentException(walk.source() + " is not a generated walk"));
        ObjectNode root = JSON.objectNode();
        root.put("name", walk.name());
        root.put("description", walk.description().orElse(""));
        root.set("topology", machine.topology().deepCopy());
        ArrayNode list = root.putArray("steps");
        walk.steps().forEach(step -> list.add(step.node()));
        try {
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Path file = dir.resolve(walk.source() + ".json");
            java.nio.file.Files.writeString(file, ScenarioRecorder.format(root));
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Scenario walk(int length) {
        for (int i = 0; i < length; i++) {
            steps.add(next());
            observe();
        }
        return parse();
    }

    /**
     * Runs the walk so far on the model: the state later draws consult, and whether the last step made
     * the object it names, so the right object is drawn among those that exist.
     */
    private void observe() {
        ModelEngine engine = new ModelEngine();
        List<ObjectNode> lines = new ArrayList<>();
        ScenarioRunner.run(parse(), engine, lines::add);
        model = engine.state();
        reach.observe(model);
        ObjectNode last = steps.size() <= lines.size() ? lines.get(steps.size() - 1) : JSON.objectNode();
        String as = steps.get(steps.size() - 1).path("as").textValue();
        if (as != null && last.path("result").asText().equals("ok")) {
            draw.made(as);
        }
    }

    private Scenario parse() {
        return ScenarioParser.parse(source, document(machine, steps));
    }

    private String document(WalkMachine on, ArrayNode calls) {
        ObjectNode root = JSON.objectNode();
        root.put("name", source);
        root.put("description", "generated user-space random walk on a machine with " + on.shape());
        root.set("topology", on.topology());
        root.set("steps", calls.deepCopy());
        return root.toString();
    }

    private ObjectNode next() {
        while (true) {
            ObjectNode step = candidate();
            if (step != null) {
                return step;
            }
        }
    }

    /** A random call, or null when the one drawn cannot be made now (then another is drawn). */
    private ObjectNode candidate() {
        Operation<?> operation = pickOperation();
        draw.beginCall();
        Command<?> command;
        try {
            command = ranges.shape(operation.generate(draw));
        } catch (WalkDraw.NoSuchObject nothingYet) {
            return null;
        }
        Optional<Command<?>> kept = comparable(command);
        if (kept.isEmpty()) {
            return null;
        }
        command = kept.get();
        ObjectNode step = step(operation, command);
        draw.kept(command, Optional.ofNullable(step.path("as").textValue()));
        return step;
    }

    private Operation<?> pickOperation() {
        int at = random.nextInt(totalWeight);
        for (Operation<?> operation : vocabulary) {
            at -= weight(operation);
            if (at < 0) {
                return operation;
            }
        }
        throw new IllegalStateException("weights add up to " + totalWeight);
    }

    private int weight(Operation<?> operation) {
        return machine.weights().getOrDefault(operation.name(), WEIGHTS.getOrDefault(operation.name(), NEW));
    }

    /**
     * The call as the walk makes it, or empty when it would make the walk incomparable: a driver-core
     * call on a device whose unbind or removal is blocked, a hot-plug of another endpoint than the
     * machine's, or a first cdev bind on a reset-less device while its unbind is blocked.
     */
    private Optional<Command<?>> comparable(Command<?> command) {
        switch (command) {
            case Command.DeviceRemove remove -> {
                return hotplug(remove.device()).map(Command.DeviceRemove::new);
            }
            case Command.DeviceAdd add -> {
                return hotplug(add.device()).map(Command.DeviceAdd::new);
            }
            case Command.DriverOverride override -> {
                if (blocked(override.device().name())) {
                    return Optional.empty();
                }
                return Optional.of(override(override));
            }
            case Command.DriverBind c -> {
                return blocked(c.device().name()) ? Optional.empty() : Optional.of(c);
            }
            case Command.DriverUnbind c -> {
                return blocked(c.device().name()) ? Optional.empty() : Optional.of(c);
            }
            case Command.DriverProbe c -> {
                return blocked(c.device().name()) ? Optional.empty() : Optional.of(c);
            }
            case Command.DriverNewId drawn -> {
                return dynamicIds.newId(model);
            }
            case Command.DriverRemoveId drawn -> {
                return dynamicIds.removeId(model);
            }
            case Command.CdevBind bind -> {
                // A first open while the device's unbind or removal is blocked fails with EAGAIN only
                // where the device has a reset method (vfio-pci try-locks it to reset). The model assumes
                // one; the VM's driverless stand-in (QEMU's edu) has none, so that case is left out.
                Optional<String> device = draw.cdevDevice(bind.fd());
                if (device.isPresent() && machine.withoutReset().contains(device.get()) && blocked(device.get())) {
                    return Optional.empty();
                }
                return Optional.of(bind);
            }
            // the HWPT a cdev ends up on is named by no iommufd the guest script knows; left unnamed
            case Command.CdevAttach attach -> {
                return Optional.of(new Command.CdevAttach(attach.fd(), attach.pt(), Optional.empty()));
            }
            default -> {
                return Optional.of(command);
            }
        }
    }

    /** The hot-plugged endpoint instead of the one drawn; empty where the machine has none or it is blocked. */
    private Optional<DeviceId> hotplug(DeviceId drawn) {
        return machine.hotplugged().filter(d -> !blocked(d)).map(DeviceId::new);
    }

    /**
     * The catalogue writes vfio-pci or clears; the walk also writes pci-stub, the device's own driver
     * (which then matches it alone) and a name no driver has (which then binds nothing).
     */
    private Command.DriverOverride override(Command.DriverOverride drawn) {
        return switch (random.nextInt(6)) {
            case 0 -> new Command.DriverOverride(drawn.device(), Optional.of("pci-stub"));
            case 1 ->
                new Command.DriverOverride(
                        drawn.device(),
                        Optional.of(machine.driverOf(drawn.device().name()).orElse("pci-stub")));
            case 2 -> new Command.DriverOverride(drawn.device(), Optional.of("no-such-driver"));
            default -> drawn;
        };
    }

    /** Whether the model says an unbind or removal of the device is blocked after the steps so far. */
    private boolean blocked(String device) {
        return model.device(new DeviceId(device)).pending().isPresent();
    }

    /** The call as a step; a close is spelled for the kind of file it closes, objects named as the walk names them. */
    private ObjectNode step(Operation<?> operation, Command<?> command) {
        if (command instanceof Command.Close close) {
            String spelling = draw.kindOf(close.fd()).map(CLOSES::get).orElse(operation.name());
            return Operations.find(spelling).orElseThrow().write(command, StepWriter::rawName);
        }
        return operation.write(command, StepWriter::rawName);
    }

    /** What the walks {@link #generate} makes reached on one of the machines, for the tests. */
    static Set<WalkReach.Reached> reached(int count, long seed, int length, int machine) {
        Set<WalkReach.Reached> reached = java.util.EnumSet.noneOf(WalkReach.Reached.class);
        for (int i = machine; i < count; i += WalkMachines.ALL.size()) {
            RandomWalkScenarios walk = new RandomWalkScenarios(
                    seed * 1_000_003L + i, SOURCE_PREFIX + "-seed-" + seed + "-" + i, WalkMachines.ALL.get(machine));
            walk.walk(length);
            reached.addAll(walk.reach.reached());
        }
        return reached;
    }

    /** How many handles and ranges a walk drew of each kind of argument (for the tests). */
    static Map<String, Integer> argumentsDrawn(long seed, int length, int machine) {
        RandomWalkScenarios walk =
                new RandomWalkScenarios(seed, SOURCE_PREFIX + "-arguments", WalkMachines.ALL.get(machine));
        walk.walk(length);
        Map<String, Integer> drawn = new java.util.TreeMap<>();
        walk.draw.drawn().forEach((k, v) -> drawn.put(k.name(), v));
        walk.ranges.drawn().forEach((k, v) -> drawn.put(k.name(), v));
        return drawn;
    }
}
