package dev.custody.oracle;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.ModelEngine;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.HwptAllocFlag;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.IommuType;
import dev.custody.model.IovaSpan;
import dev.custody.model.ProcessCapability;
import dev.custody.model.Type1MapFlag;
import dev.custody.ops.Operations;
import dev.custody.ops.StepWriter;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.ScenarioParser;
import dev.custody.scenario.ScenarioRunner;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Seeded random walks of user-space calls (driver core through sysfs, the VFIO group and container
 * path, iommufd and cdevs) over a fixed four-device topology, for `custody oracle diff --random`.
 * Names are drawn from what earlier steps opened, closed ones included, so misuse is exercised too.
 * One rule keeps walks comparable: no driver-core call on a device whose unbind the model says is
 * still blocked, because the kernel would hold the device lock and that call would wait as well.
 */
public final class RandomWalkScenarios {
    public static final String SOURCE_PREFIX = "random-walk";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final List<Integer> GROUPS = List.of(1, 2, 3);

    /**
     * The walks' machines, taken in turn. Each device: name, group, the kernel-DMA driver it
     * matches (null for none) and whether it starts bound to it. The hot-plugged device is the
     * last function of group 1, so group 1 sits behind a bridge in the VM; devices without a
     * kernel-DMA driver are the VM's reset-less stand-in.
     */
    record WalkTopology(
            List<String> devices, List<Integer> groups, List<String> drivers, List<Boolean> bound, String hotplugged) {
        java.util.Set<String> withoutReset() {
            java.util.Set<String> none = new java.util.HashSet<>();
            for (int i = 0; i < devices.size(); i++) {
                if (drivers.get(i) == null) {
                    none.add(devices.get(i));
                }
            }
            return none;
        }

        String driverOf(String device) {
            return drivers.get(devices.indexOf(device));
        }
    }

    static final List<WalkTopology> TOPOLOGIES = List.of(
            new WalkTopology(
                    List.of("0000:00:03.0", "0000:00:03.1", "0000:00:04.0", "0000:00:05.0"),
                    List.of(1, 1, 2, 3),
                    java.util.Arrays.asList("e1000e", null, "nvme", null),
                    List.of(true, false, true, false),
                    "0000:00:03.1"),
            new WalkTopology(
                    List.of("0000:00:03.0", "0000:00:03.1", "0000:00:03.2", "0000:00:04.0", "0000:00:05.0"),
                    List.of(1, 1, 1, 2, 3),
                    java.util.Arrays.asList("nvme", "e1000e", null, null, "e1000e"),
                    List.of(true, false, false, false, true),
                    "0000:00:03.2"));

    private final WalkTopology machine;
    private final List<String> deviceNames;
    private final String hotplugged;
    private final java.util.Set<String> resetless;
    private final SplittableRandom random;
    private final String source;
    private final ArrayNode steps = JSON.arrayNode();
    private final List<String> groupFds = new ArrayList<>();
    private final List<String> containers = new ArrayList<>();
    private final List<String> deviceFds = new ArrayList<>();
    private final List<String> iommufds = new ArrayList<>();
    private final List<String> cdevs = new ArrayList<>();
    private final List<String> objects = new ArrayList<>();
    private final java.util.Map<String, String> cdevDevice = new java.util.HashMap<>();
    private final java.util.Map<String, String> deviceFdDevice = new java.util.HashMap<>();
    private int names;

    private RandomWalkScenarios(long seed, String source, WalkTopology machine) {
        this.random = new SplittableRandom(seed);
        this.source = source;
        this.machine = machine;
        this.deviceNames = machine.devices();
        this.hotplugged = machine.hotplugged();
        this.resetless = machine.withoutReset();
    }

    public static List<Scenario> generate(int count, long seed, int length) {
        List<Scenario> scenarios = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String source = SOURCE_PREFIX + "-seed-" + seed + "-" + i;
            RandomWalkScenarios walk =
                    new RandomWalkScenarios(seed * 1_000_003L + i, source, TOPOLOGIES.get(i % TOPOLOGIES.size()));
            scenarios.add(walk.walk(length));
        }
        return scenarios;
    }

    /** Writes a walk into {@code dir} as {@code <source>.json} in the corpus's layout; returns the file. */
    public static java.nio.file.Path write(Scenario walk, java.nio.file.Path dir) {
        ObjectNode root = JSON.objectNode();
        root.put("name", walk.name());
        root.put("description", walk.description().orElse(""));
        List<String> names =
                walk.topology().devices().keySet().stream().map(DeviceId::name).toList();
        root.set(
                "topology",
                topology(TOPOLOGIES.stream()
                        .filter(t -> t.devices().equals(names))
                        .findFirst()
                        .orElseThrow(() -> new IllegalArgumentException(walk.source() + " is not a generated walk"))));
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
        }
        return parse();
    }

    private Scenario parse() {
        ObjectNode root = JSON.objectNode();
        root.put("name", source);
        root.put("description", "generated user-space random walk");
        root.set("topology", topology(machine));
        root.set("steps", steps.deepCopy());
        return ScenarioParser.parse(source, root.toString());
    }

    private static ObjectNode topology(WalkTopology machine) {
        ObjectNode topology = JSON.objectNode();
        topology.putArray("iommus").addObject().put("name", "dmar0");
        ArrayNode devices = topology.putArray("devices");
        for (int i = 0; i < machine.devices().size(); i++) {
            device(
                    devices,
                    machine.devices().get(i),
                    machine.groups().get(i),
                    machine.drivers().get(i),
                    machine.bound().get(i));
        }
        return topology;
    }

    private static void device(ArrayNode devices, String name, int group, String driver, boolean bound) {
        ObjectNode device =
                devices.addObject().put("name", name).put("iommu", "dmar0").put("group", group);
        if (driver != null) {
            device.putArray("matches").add(driver);
            if (bound) {
                device.put("driver", driver);
            }
        }
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
        int pick = random.nextInt(100);
        if (pick < 18) {
            return driverCore();
        }
        if (pick < 50) {
            return vfio();
        }
        if (pick < 86) {
            return iommufd();
        }
        if (pick < 88) {
            return hotReset();
        }
        if (pick < 95) {
            return close();
        }
        if (pick < 97) {
            return groupType();
        }
        return step(new Command.QueryGroup(anyGroup()));
    }

    private ObjectNode driverCore() {
        String device = pick(deviceNames);
        if (blocked(device)) {
            return null;
        }
        DeviceId id = new DeviceId(device);
        return switch (random.nextInt(11)) {
            case 0, 1, 2, 3 -> step(new Command.DriverBind(id, driverFor(device)));
            case 4, 5 -> step(new Command.DriverUnbind(id));
            case 6, 7 ->
                step(new Command.DriverOverride(id, random.nextBoolean() ? Optional.of("vfio-pci") : Optional.empty()));
            case 8, 9 -> step(new Command.DriverProbe(id));
            // hot-plug of the second function of the two-device group: it leaves and comes back
            // into a group that may be owned by then
            default ->
                blocked(hotplugged)
                        ? null
                        : step(
                                random.nextBoolean()
                                        ? new Command.DeviceRemove(new DeviceId(hotplugged))
                                        : new Command.DeviceAdd(new DeviceId(hotplugged)));
        };
    }

    private String driverFor(String device) {
        int pick = random.nextInt(10);
        if (pick < 6) {
            return "vfio-pci";
        }
        if (pick < 8) {
            return "pci-stub";
        }
        String own = machine.driverOf(device);
        return own != null ? own : "vfio-pci";
    }

    private ObjectNode vfio() {
        return switch (random.nextInt(9)) {
            case 0, 1 -> step(new Command.GroupOpen(anyGroup(), fresh("g", groupFds)));
            case 2 -> step(new Command.ContainerOpen(fresh("c", containers)));
            case 3 ->
                groupFds.isEmpty() || containers.isEmpty()
                        ? null
                        : step(new Command.SetContainer(any(groupFds), any(containers)));
            case 4 ->
                containers.isEmpty()
                        ? null
                        : step(new Command.ContainerSetIommu(
                                any(containers), random.nextInt(4) == 0 ? IommuType.TYPE1 : IommuType.TYPE1V2));
            case 5 -> groupFds.isEmpty() ? null : deviceFd();
            case 6 ->
                groupFds.isEmpty()
                        ? null
                        : random.nextBoolean()
                                ? step(new Command.GroupStatus(any(groupFds)))
                                : step(new Command.UnsetContainer(any(groupFds)));
            case 7 -> containers.isEmpty() ? null : mapDma();
            default ->
                containers.isEmpty()
                        ? null
                        : random.nextInt(4) == 0
                                ? step(new Command.Type1UnmapDma(any(containers), 0, 0, true))
                                : step(new Command.Type1UnmapDma(
                                        any(containers), page(random.nextInt(8)), page(1 + random.nextInt(4)), false));
        };
    }

    private ObjectNode deviceFd() {
        String device = pick(deviceNames);
        String fd = fresh("d", deviceFds);
        deviceFdDevice.put(fd, device);
        return step(new Command.GetDeviceFd(any(groupFds), new DeviceId(device), fd));
    }

    /**
     * A PCI hot reset, or its info, on a device fd or cdev. Only devices outside group 1 are asked:
     * the VM has them on its root bus, where no reset exists (ENODEV), as the walk's devices-form
     * topology says of every device; group 1 sits behind a bridge in the VM, which that form cannot
     * say. The argument checks before that answer (fd kinds, flags, group fds or none) are the walk's.
     */
    private ObjectNode hotReset() {
        List<String> fds = new ArrayList<>();
        deviceFdDevice.forEach((fd, device) -> fds.add(fd));
        cdevDevice.forEach((fd, device) -> fds.add(fd));
        fds.removeIf(fd -> behindBridge(deviceFdDevice.getOrDefault(fd, cdevDevice.get(fd))));
        if (fds.isEmpty()) {
            return null;
        }
        java.util.Collections.sort(fds);
        Handle fd = new Handle.Unbound(pick(fds));
        return switch (random.nextInt(4)) {
            // Integer.MAX_VALUE: room for every device, the op's default
            case 0 ->
                step(new Command.PciHotResetInfo(fd, random.nextBoolean() ? Integer.MAX_VALUE : random.nextInt(2)));
            case 1 -> step(new Command.PciHotReset(fd, List.of(), random.nextInt(4) == 0 ? 1 : 0));
            default -> groupFds.isEmpty() ? null : step(new Command.PciHotReset(fd, List.of(any(groupFds)), 0));
        };
    }

    private boolean behindBridge(String device) {
        return machine.groups().get(machine.devices().indexOf(device)) == 1;
    }

    private ObjectNode mapDma() {
        return step(new Command.Type1MapDma(
                any(containers),
                page(random.nextInt(8)),
                0x10000000L + page(random.nextInt(64)),
                page(1 + random.nextInt(4)),
                EnumSet.allOf(Type1MapFlag.class)));
    }

    private ObjectNode iommufd() {
        return switch (random.nextInt(12)) {
            case 0 -> step(new Command.IommufdOpen(fresh("i", iommufds)));
            case 11 ->
                cdevs.isEmpty() || iommufds.isEmpty()
                        ? null
                        : step(new Command.GetHwInfo(any(iommufds), any(cdevs), random.nextInt(6) == 0 ? 1 : 0, 0, 64));
            case 1, 2 -> {
                String device = pick(deviceNames);
                String cdev = fresh("v", cdevs);
                cdevDevice.put(cdev, device);
                yield step(new Command.CdevOpen(new DeviceId(device), cdev));
            }
            case 3 -> cdevs.isEmpty() || iommufds.isEmpty() ? null : cdevBind(pick(cdevs));
            case 4 -> iommufds.isEmpty() ? null : step(new Command.IoasAlloc(any(iommufds), fresh("a", objects)));
            case 5, 6 ->
                cdevs.isEmpty() || objects.isEmpty()
                        ? null
                        : step(new Command.CdevAttach(any(cdevs), any(objects), Optional.empty()));
            case 7 -> cdevs.isEmpty() ? null : step(new Command.CdevDetach(any(cdevs)));
            case 8 ->
                cdevs.isEmpty() || objects.isEmpty() || iommufds.isEmpty()
                        ? null
                        : step(new Command.HwptAlloc(
                                any(iommufds), any(cdevs), any(objects), fresh("h", objects), hwptFlags()));
            case 9 ->
                objects.isEmpty() || iommufds.isEmpty() ? null : step(new Command.Destroy(any(iommufds), any(objects)));
            default -> objects.isEmpty() ? null : ioasMap();
        };
    }

    /** Mostly no flag; now and then one the emulated VT-d refuses (EOPNOTSUPP). */
    private Set<HwptAllocFlag> hwptFlags() {
        HwptAllocFlag[] all = HwptAllocFlag.values();
        int pick = random.nextInt(2 * all.length);
        return pick < all.length ? EnumSet.of(all[pick]) : EnumSet.noneOf(HwptAllocFlag.class);
    }

    /**
     * A first open while the device's unbind or removal is blocked fails with EAGAIN only where the
     * device has a reset method (vfio-pci try-locks it to reset). The model assumes one; the VM's
     * driverless stand-in (QEMU's edu) has none, so that case is left out for those devices.
     */
    private ObjectNode cdevBind(String cdev) {
        String device = cdevDevice.get(cdev);
        if (resetless.contains(device) && blocked(device)) {
            return null;
        }
        return step(new Command.CdevBind(new Handle.Unbound(cdev), any(iommufds)));
    }

    private ObjectNode ioasMap() {
        Handle ioas = any(objects);
        int kind = random.nextInt(9);
        if (kind == 8) {
            return ioasCopy(ioas);
        }
        if (kind == 0) {
            return step(new Command.IoasIovaRanges(ioas, random.nextInt(4)));
        }
        if (kind == 1) {
            long start = page(16 * random.nextInt(4));
            return step(new Command.IoasAllowIovas(ioas, List.of(new IovaSpan(start, start + page(64) - 1))));
        }
        if (kind <= 3) {
            return step(new Command.IoasUnmap(ioas, page(16 * random.nextInt(4)), page(16)));
        }
        long length = page(1 + random.nextInt(16));
        EnumSet<IoasMapFlag> flags = EnumSet.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE);
        OptionalLong iova = OptionalLong.empty();
        if (random.nextBoolean()) {
            iova = OptionalLong.of(page(16 * random.nextInt(4)));
            flags.add(IoasMapFlag.FIXED_IOVA);
        }
        return step(new Command.IoasMap(ioas, iova, length, flags));
    }

    /**
     * IOAS_COPY of one or two pages from where maps land (multiples of 16 pages), READABLE|WRITEABLE:
     * placed automatically only for a single page, whose alignment does not depend on the source's user
     * pointer, which the model does not keep for copied areas (docs/decisions.md).
     */
    private ObjectNode ioasCopy(Handle src) {
        long srcIova = page(16 * random.nextInt(4) + random.nextInt(2));
        EnumSet<IoasMapFlag> flags = EnumSet.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE);
        if (random.nextBoolean()) {
            return step(new Command.IoasCopy(src, srcIova, any(objects), OptionalLong.empty(), page(1), flags));
        }
        flags.add(IoasMapFlag.FIXED_IOVA);
        long dstIova = page(16 * random.nextInt(8) + random.nextInt(4));
        return step(new Command.IoasCopy(
                src, srcIova, any(objects), OptionalLong.of(dstIova), page(1 + random.nextInt(2)), flags));
    }

    /** The sysfs group type, sometimes written without the capabilities it needs. */
    private ObjectNode groupType() {
        GroupId group = anyGroup();
        String value = List.of("DMA", "DMA-FQ", "identity", "auto").get(random.nextInt(4));
        Set<ProcessCapability> capabilities = random.nextInt(4) == 0
                ? EnumSet.of(ProcessCapability.SYS_RAWIO)
                : EnumSet.allOf(ProcessCapability.class);
        return step(new Command.SysfsGroupType(group, value, capabilities));
    }

    private ObjectNode close() {
        return switch (random.nextInt(5)) {
            case 0 -> groupFds.isEmpty() ? null : close("vfio.group.close", groupFds);
            case 1 -> containers.isEmpty() ? null : close("vfio.container.close", containers);
            case 2 -> deviceFds.isEmpty() ? null : close("vfio.device.close", deviceFds);
            case 3 -> iommufds.isEmpty() ? null : close("iommufd.close", iommufds);
            default -> cdevs.isEmpty() ? null : close("cdev.close", cdevs);
        };
    }

    /** Whether the model says an unbind or removal of the device is blocked after the steps so far. */
    private boolean blocked(String device) {
        ModelEngine engine = new ModelEngine();
        ScenarioRunner.run(parse(), engine, line -> {});
        return engine.state().device(new DeviceId(device)).pending().isPresent();
    }

    /** The call as a step, written by the operation catalogue; objects are named as this walk names them. */
    private static ObjectNode step(Command<?> command) {
        return Operations.write(command, StepWriter::rawName);
    }

    /** close(2), spelled for the kind of fd the pool holds. */
    private ObjectNode close(String spelling, List<String> pool) {
        return Operations.find(spelling).orElseThrow().write(new Command.Close(any(pool)), StepWriter::rawName);
    }

    private GroupId anyGroup() {
        return new GroupId(GROUPS.get(random.nextInt(GROUPS.size())));
    }

    private String fresh(String prefix, List<String> pool) {
        String name = prefix + (++names);
        pool.add(name);
        return name;
    }

    /** A name from the pool, as a command refers to it: a name that may or may not be bound by now. */
    private Handle any(List<String> pool) {
        return new Handle.Unbound(pick(pool));
    }

    private String pick(List<String> pool) {
        return pool.get(random.nextInt(pool.size()));
    }

    private static long page(int pages) {
        return pages * 4096L;
    }
}
