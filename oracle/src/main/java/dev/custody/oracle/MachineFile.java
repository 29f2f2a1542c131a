package dev.custody.oracle;

import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.GroupId;
import dev.custody.ops.NotRealisable;
import dev.custody.scenario.Scenario;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A scenario written on a real machine (as {@code custody topology import} writes one): devices
 * named by their PCI addresses, with the groups and drivers the machine had, including its ports
 * and bridges. Each device is realised by its role, read from the file: a device bound to pcieport
 * is a PCIe port (a root port on bus 0, else a switch's upstream port below a root or downstream
 * port, and a downstream port below an upstream one); a driverless device that shares its group
 * with devices on another bus is a bridge to them (a root port without ACS when they all sit in
 * slot 0, as a PCIe link has only that one, else a PCIe-to-PCI bridge, whose devices alias to it);
 * q35's host bridge and ICH9 functions are the VM's own; everything else is an endpoint at its
 * address. Which devices sit below which bridge follows from the bus numbers, as the firmware
 * assigns them ({@link MachineHierarchy#firmwareBuses}). A root port that shares a group with
 * devices below it has no ACS. The guest then forms its groups from that hierarchy, and the
 * comparison checks them against the file's.
 */
final class MachineFile {
    private static final Pattern ADDRESS = Pattern.compile("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");

    private final Scenario scenario;
    /** The role of every bridge and of q35's own functions; other devices are endpoints. */
    private final Map<DeviceId, GuestDevice.Kind> roles;

    private final Map<DeviceId, Boolean> acsDisabled;
    private final Map<String, Integer> secondary;

    private MachineFile(
            Scenario scenario,
            Map<DeviceId, GuestDevice.Kind> roles,
            Map<DeviceId, Boolean> acsDisabled,
            Map<String, Integer> secondary) {
        this.scenario = scenario;
        this.roles = roles;
        this.acsDisabled = acsDisabled;
        this.secondary = secondary;
    }

    /**
     * The file read as a machine's, when it is one: every device named by a PCI address, and some
     * device a port, behind a bridge, or one of q35's own. Other files keep the slot layout.
     */
    static Optional<MachineFile> of(Scenario scenario) throws NotRealisable {
        var devices = scenario.topology().devices().values();
        if (devices.isEmpty()
                || !devices.stream()
                        .allMatch(d -> ADDRESS.matcher(d.id().name()).matches())) {
            return Optional.empty();
        }
        boolean machine = devices.stream()
                .anyMatch(d -> bus(d.id()) != 0
                        || isPortDriver(d)
                        || MachineHierarchy.Q35_FUNCTIONS.containsKey(d.id().name()));
        if (!machine) {
            return Optional.empty();
        }
        Map<GroupId, List<DeviceSpec>> groups = new HashMap<>();
        devices.forEach(d -> d.group()
                .ifPresent(
                        g -> groups.computeIfAbsent(g, x -> new ArrayList<>()).add(d)));
        Map<DeviceId, GuestDevice.Kind> roles = new LinkedHashMap<>();
        Map<DeviceId, Boolean> acsDisabled = new HashMap<>();
        List<String> addresses = devices.stream().map(d -> d.id().name()).toList();
        java.util.Set<String> bridges = new java.util.HashSet<>();
        for (DeviceSpec device : devices) {
            if (MachineHierarchy.Q35_FUNCTIONS.containsKey(device.id().name())) {
                continue;
            }
            boolean sharesAcrossBuses = device.group()
                    .map(g -> groups.get(g).stream().anyMatch(o -> bus(o.id()) != bus(device.id())))
                    .orElse(false);
            if (isPortDriver(device) || (device.bootDriver().isEmpty() && sharesAcrossBuses)) {
                bridges.add(device.id().name());
            }
        }
        Map<String, Integer> secondary;
        try {
            secondary = MachineHierarchy.firmwareBuses(addresses, bridges::contains);
        } catch (NotRealisable why) {
            throw new NotRealisable(scenario.source() + ": " + why.getMessage());
        }
        // roles top down: a bridge's role depends on its parent's
        List<String> order = new ArrayList<>(secondary.keySet());
        for (String address : order) {
            DeviceId id = new DeviceId(address);
            DeviceSpec device = scenario.topology().device(id);
            Optional<GuestDevice.Kind> parent = parent(address, secondary).map(p -> roles.get(new DeviceId(p)));
            List<DeviceSpec> below = devices.stream()
                    .filter(d -> bus(d.id()) == secondary.get(address))
                    .toList();
            GuestDevice.Kind role = role(device, parent, below);
            roles.put(id, role);
            boolean sharesWithBelow = device.group()
                    .map(g -> descendants(address, secondary, devices).stream()
                            .anyMatch(d -> d.group().equals(Optional.of(g))))
                    .orElse(false);
            acsDisabled.put(id, role == GuestDevice.Kind.ROOT_PORT && sharesWithBelow);
        }
        for (DeviceSpec device : devices) {
            GuestDevice.Kind own =
                    MachineHierarchy.Q35_FUNCTIONS.get(device.id().name());
            if (own != null) {
                roles.put(device.id(), own);
            }
        }
        return Optional.of(new MachineFile(scenario, roles, acsDisabled, secondary));
    }

    private static GuestDevice.Kind role(DeviceSpec device, Optional<GuestDevice.Kind> parent, List<DeviceSpec> below) {
        boolean port = isPortDriver(device);
        if (parent.isEmpty()) {
            boolean linkOnly = !below.isEmpty() && below.stream().allMatch(d -> slot(d.id()) == 0);
            return port || linkOnly ? GuestDevice.Kind.ROOT_PORT : GuestDevice.Kind.PCIE_TO_PCI_BRIDGE;
        }
        return switch (parent.get()) {
            case ROOT_PORT, SWITCH_DOWNSTREAM_PORT ->
                port ? GuestDevice.Kind.SWITCH_UPSTREAM_PORT : GuestDevice.Kind.PCIE_TO_PCI_BRIDGE;
            case SWITCH_UPSTREAM_PORT -> GuestDevice.Kind.SWITCH_DOWNSTREAM_PORT;
            default -> GuestDevice.Kind.PCI_BRIDGE;
        };
    }

    /** The devices the VM realises as PCIe ports: their pcieport is the guest's own. */
    Set<DeviceId> ports() {
        Set<DeviceId> ports = new java.util.HashSet<>();
        roles.forEach((id, kind) -> {
            if (kind.isBridge() && kind.nativeDriver != null) {
                ports.add(id);
            }
        });
        return ports;
    }

    /** q35's own functions, with the driver the guest binds to each (none for the LPC bridge). */
    Map<DeviceId, Optional<String>> builtIn() {
        Map<DeviceId, Optional<String>> fixed = new HashMap<>();
        roles.forEach((id, kind) -> {
            if (kind.builtIn()) {
                fixed.put(id, kind.nativeDriver());
            }
        });
        return fixed;
    }

    /** The hierarchy, with each endpoint's QEMU device chosen for the driver its guest driver plays. */
    PciGuestHierarchy hierarchy(Map<DeviceId, String> played) throws NotRealisable {
        List<MachineHierarchy.Node> nodes = new ArrayList<>();
        for (DeviceSpec device : scenario.topology().devices().values()) {
            String address = device.id().name();
            GuestDevice.Kind role = roles.get(device.id());
            Optional<String> driver = Optional.ofNullable(played.get(device.id()));
            GuestDevice.Kind kind = role != null ? role : GuestDevice.Kind.machine(driver, behindConventional(address));
            OptionalInt own =
                    secondary.containsKey(address) ? OptionalInt.of(secondary.get(address)) : OptionalInt.empty();
            nodes.add(new MachineHierarchy.Node(
                    device.id(),
                    address,
                    kind,
                    kind.isBridge() ? Optional.empty() : driver,
                    false,
                    acsDisabled.getOrDefault(device.id(), false),
                    own));
        }
        try {
            return MachineHierarchy.build(nodes);
        } catch (NotRealisable why) {
            throw new NotRealisable(scenario.source() + ": " + why.getMessage());
        }
    }

    private boolean behindConventional(String address) {
        for (Optional<String> at = parent(address, secondary); at.isPresent(); at = parent(at.get(), secondary)) {
            GuestDevice.Kind kind = roles.get(new DeviceId(at.get()));
            if (kind == GuestDevice.Kind.PCIE_TO_PCI_BRIDGE || kind == GuestDevice.Kind.PCI_BRIDGE) {
                return true;
            }
        }
        return false;
    }

    private static Optional<String> parent(String address, Map<String, Integer> secondary) {
        int bus = Integer.parseInt(address.substring(5, 7), 16);
        return secondary.entrySet().stream()
                .filter(e -> e.getValue() == bus)
                .map(Map.Entry::getKey)
                .findFirst();
    }

    private static List<DeviceSpec> descendants(
            String bridge, Map<String, Integer> secondary, java.util.Collection<DeviceSpec> devices) {
        List<DeviceSpec> found = new ArrayList<>();
        for (DeviceSpec device : devices) {
            for (Optional<String> at = parent(device.id().name(), secondary);
                    at.isPresent();
                    at = parent(at.get(), secondary)) {
                if (at.get().equals(bridge)) {
                    found.add(device);
                    break;
                }
            }
        }
        return found;
    }

    private static boolean isPortDriver(DeviceSpec device) {
        return device.bootDriver().equals(Optional.of(PciGuestHierarchy.PORT_DRIVER));
    }

    private static int bus(DeviceId id) {
        return Integer.parseInt(id.name().substring(5, 7), 16);
    }

    private static int slot(DeviceId id) {
        return Integer.parseInt(id.name().substring(8, 10), 16);
    }
}
