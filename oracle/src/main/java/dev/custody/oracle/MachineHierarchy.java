package dev.custody.oracle;

import dev.custody.model.DeviceId;
import dev.custody.ops.NotRealisable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SequencedMap;

/**
 * A PCI hierarchy built in QEMU as the file gives it: root and switch ports, bridges to
 * conventional PCI, endpoints at their addresses, and q35's own functions where they always are.
 * The guest firmware numbers buses depth first, each bridge taking the next number as it is
 * found, bus by bus in devfn order; the file's bus numbers must be those, for the guest's
 * addresses to be the file's. The guest kernel then forms its groups from the same hierarchy.
 */
final class MachineHierarchy {
    private MachineHierarchy() {}

    /**
     * One function of the hierarchy.
     *
     * @param declaredSecondary the secondary bus a file's bridge names, checked against the firmware's
     * @param acsDisabled       a root port without ACS (QEMU's pcie-root-port has it unless told not to)
     */
    record Node(
            DeviceId id,
            String address,
            GuestDevice.Kind kind,
            Optional<String> played,
            boolean multifunction,
            boolean acsDisabled,
            OptionalInt declaredSecondary) {
        int bus() {
            return Integer.parseInt(address.substring(5, 7), 16);
        }

        String slotFunction() {
            return address.substring(8);
        }

        int slot() {
            return Integer.parseInt(address.substring(8, 10), 16);
        }

        int function() {
            return Integer.parseInt(address.substring(11), 16);
        }
    }

    /** The q35 functions every machine has, by address. */
    static final Map<String, GuestDevice.Kind> Q35_FUNCTIONS = Map.of(
            "0000:00:00.0", GuestDevice.Kind.HOST_BRIDGE,
            "0000:00:1f.0", GuestDevice.Kind.Q35_LPC,
            "0000:00:1f.2", GuestDevice.Kind.Q35_SATA,
            "0000:00:1f.3", GuestDevice.Kind.Q35_SMBUS);

    /**
     * The secondary bus the firmware gives each bridge, found depth first: on each bus in devfn order,
     * a bridge takes the next number and its own bus is numbered before the scan goes on. Which
     * functions sit below a bridge is read from the file's bus numbers, so they must match.
     */
    static Map<String, Integer> firmwareBuses(List<String> addresses, java.util.function.Predicate<String> isBridge)
            throws NotRealisable {
        Map<Integer, List<String>> byBus = new HashMap<>();
        for (String address : addresses) {
            byBus.computeIfAbsent(Integer.parseInt(address.substring(5, 7), 16), b -> new ArrayList<>())
                    .add(address);
        }
        byBus.values().forEach(list -> list.sort(Comparator.naturalOrder()));
        Map<String, Integer> secondary = new LinkedHashMap<>();
        int[] next = {1};
        number(0, byBus, isBridge, secondary, next);
        for (String address : addresses) {
            int bus = Integer.parseInt(address.substring(5, 7), 16);
            if (bus != 0 && !secondary.containsValue(bus)) {
                throw new NotRealisable(address + " is on bus " + bus + ", which no bridge of the file leads to as the"
                        + " firmware numbers buses (depth first, in devfn order)");
            }
        }
        return secondary;
    }

    private static void number(
            int bus,
            Map<Integer, List<String>> byBus,
            java.util.function.Predicate<String> isBridge,
            Map<String, Integer> secondary,
            int[] next) {
        for (String address : byBus.getOrDefault(bus, List.of())) {
            if (isBridge.test(address)) {
                int own = next[0]++;
                secondary.put(address, own);
                number(own, byBus, isBridge, secondary, next);
            }
        }
    }

    /** The QEMU arguments and guest devices of the hierarchy. */
    static PciGuestHierarchy build(List<Node> nodes) throws NotRealisable {
        Map<String, Node> byAddress = new HashMap<>();
        nodes.forEach(n -> byAddress.put(n.address(), n));
        Map<String, Integer> secondary = firmwareBuses(
                nodes.stream().map(Node::address).toList(),
                a -> byAddress.get(a).kind().isBridge());
        Map<Integer, Node> bridgeOfBus = new HashMap<>();
        for (var entry : secondary.entrySet()) {
            Node bridge = byAddress.get(entry.getKey());
            if (bridge.declaredSecondary().isPresent()
                    && bridge.declaredSecondary().getAsInt() != entry.getValue()) {
                throw new NotRealisable("bridge " + bridge.address() + " has secondary bus "
                        + bridge.declaredSecondary().getAsInt() + "; the firmware numbers it " + entry.getValue()
                        + " (depth first, in devfn order)");
            }
            bridgeOfBus.put(entry.getValue(), bridge);
        }
        List<Node> ordered = new ArrayList<>(nodes);
        // parents before children: QEMU needs a bus before the devices on it
        ordered.sort(Comparator.comparingInt((Node n) -> depth(n, bridgeOfBus)).thenComparing(Node::address));
        List<String> arguments = new ArrayList<>();
        if (nodes.stream().anyMatch(n -> n.address().startsWith("0000:00:01."))) {
            arguments.addAll(List.of("-vga", "none"));
        }
        SequencedMap<DeviceId, GuestDevice> devices = new LinkedHashMap<>();
        Map<String, String> qemuIds = new HashMap<>();
        int chassis = 0;
        for (Node node : ordered) {
            Optional<Node> parent = Optional.ofNullable(bridgeOfBus.get(node.bus()));
            GuestDevice.Kind kind = node.kind();
            GuestDevice.Kind expected = MachineHierarchy.Q35_FUNCTIONS.get(node.address());
            if (kind.builtIn()) {
                if (expected != kind) {
                    throw new NotRealisable(node.address() + " is a " + kind + ", which q35 has only where it puts it");
                }
                devices.put(node.id(), guest(node, parent));
                continue;
            }
            if (expected != null) {
                throw new NotRealisable(node.address() + " is q35's own " + expected + "; the file has a " + kind);
            }
            if (parent.isPresent()
                    && parent.get().kind() != GuestDevice.Kind.PCIE_TO_PCI_BRIDGE
                    && parent.get().kind() != GuestDevice.Kind.PCI_BRIDGE
                    && parent.get().kind() != GuestDevice.Kind.SWITCH_UPSTREAM_PORT
                    && node.slot() != 0) {
                throw new NotRealisable(node.address() + " is in slot " + node.slot() + " below port "
                        + parent.get().address() + "; a PCIe link has only slot 0");
            }
            StringBuilder argument = new StringBuilder(kind.qemuDevice);
            String id = "n" + node.address().replaceAll("[:.]", "");
            if (kind.isBridge()) {
                argument.append(",id=").append(id);
                qemuIds.put(node.address(), id);
            }
            parent.ifPresent(p -> argument.append(",bus=").append(qemuIds.get(p.address())));
            argument.append(",addr=").append(node.slotFunction());
            boolean siblings = nodes.stream()
                    .anyMatch(n ->
                            n != node && n.address().startsWith(node.address().substring(0, 10)));
            if (node.function() == 0 && (siblings || node.multifunction())) {
                argument.append(",multifunction=on");
            }
            switch (kind) {
                case ROOT_PORT -> {
                    argument.append(",chassis=").append(++chassis);
                    if (node.acsDisabled()) {
                        argument.append(",disable-acs=on");
                    }
                }
                case SWITCH_DOWNSTREAM_PORT ->
                    argument.append(",chassis=").append(++chassis).append(",slot=0");
                case PCI_BRIDGE -> argument.append(",chassis_nr=").append(++chassis);
                case NVME ->
                    argument.append(",serial=custody").append(node.address().replaceAll("[:.]", ""));
                default -> {}
            }
            arguments.add("-device");
            arguments.add(argument.toString());
            devices.put(node.id(), guest(node, parent));
        }
        // the layout and the comparison read devices in the file's order
        SequencedMap<DeviceId, GuestDevice> inFileOrder = new LinkedHashMap<>();
        nodes.forEach(n -> inFileOrder.put(n.id(), devices.get(n.id())));
        return new PciGuestHierarchy(inFileOrder, arguments);
    }

    private static GuestDevice guest(Node node, Optional<Node> parent) {
        // a device below a bridge comes back through its own bus's rescan file
        return new GuestDevice(
                node.id(), node.address(), placed(node, parent), node.played(), parent.map(Node::address));
    }

    /** The kind as the guest sees it where it sits: a virtio-net below a PCIe port is modern only. */
    private static GuestDevice.Kind placed(Node node, Optional<Node> parent) {
        boolean onPciePort = parent.map(p ->
                        p.kind() == GuestDevice.Kind.ROOT_PORT || p.kind() == GuestDevice.Kind.SWITCH_DOWNSTREAM_PORT)
                .orElse(false);
        return node.kind() == GuestDevice.Kind.NET && onPciePort ? GuestDevice.Kind.MODERN_NET : node.kind();
    }

    private static int depth(Node node, Map<Integer, Node> bridgeOfBus) {
        int depth = 0;
        for (Node at = node; at.bus() != 0 && bridgeOfBus.containsKey(at.bus()); at = bridgeOfBus.get(at.bus())) {
            depth++;
        }
        return depth;
    }
}
