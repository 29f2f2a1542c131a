package dev.custody.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.model.DeviceId;
import dev.custody.ops.NotRealisable;
import dev.custody.ops.U64;
import dev.custody.scenario.Scenario;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SequencedMap;

/**
 * A scenario's {@code "pci"} form realised as itself: root ports as QEMU pcie-root-ports (with ACS,
 * or without where the file's has none), switches as x3130 upstream and xio3130 downstream ports,
 * PCIe-to-PCI bridges as pcie-pci-bridges and conventional bridges as pci-bridges, endpoints at
 * the addresses the file gives. The guest then derives the groups from the same hierarchy, and the
 * comparison of groups checks the derivation too ({@link MachineHierarchy}).
 */
record PciGuestHierarchy(SequencedMap<DeviceId, GuestDevice> devices, List<String> arguments) {
    static final String PORT_DRIVER = "pcieport";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The hierarchy when the scenario's file has a "pci" form. */
    static Optional<PciGuestHierarchy> of(Scenario scenario, Map<DeviceId, String> played) throws NotRealisable {
        Optional<JsonNode> functions = functions(scenario);
        if (functions.isEmpty()) {
            return Optional.empty();
        }
        List<MachineHierarchy.Node> nodes = new ArrayList<>();
        for (JsonNode function : functions.get()) {
            String address = full(function.get("address").asText());
            DeviceId id = new DeviceId(address);
            if (function.path("virtualFunction").asBoolean(false)) {
                // The guest's devices are played by emulated functions without SR-IOV, so a
                // virtual function would be realised as an ordinary function and grouped as one.
                throw new NotRealisable(scenario.source() + ": " + address
                        + " is an SR-IOV virtual function, which the VM's devices cannot play");
            }
            boolean multifunction = function.path("multifunction").asBoolean(false);
            OptionalInt secondary = function.has("bridge")
                    ? OptionalInt.of(U64.exact(function.get("bridge").get("secondary"))
                            .orElseThrow()
                            .intValue())
                    : OptionalInt.empty();
            GuestDevice.Kind kind = kind(scenario, function, address);
            boolean acs = function.path("acs").path("supported").toString().contains("SV");
            Optional<String> driver =
                    kind.isBridge() || kind.builtIn() ? Optional.empty() : Optional.ofNullable(played.get(id));
            nodes.add(new MachineHierarchy.Node(
                    id, address, kind, driver, multifunction, kind == GuestDevice.Kind.ROOT_PORT && !acs, secondary));
        }
        // endpoints behind a conventional bridge are played by virtio (see GuestDevice.Kind.playing)
        List<MachineHierarchy.Node> cast = new ArrayList<>();
        for (MachineHierarchy.Node node : nodes) {
            if (node.kind().isBridge() || node.kind().builtIn()) {
                cast.add(node);
                continue;
            }
            boolean conventional = behindConventional(node, nodes);
            cast.add(new MachineHierarchy.Node(
                    node.id(),
                    node.address(),
                    GuestDevice.Kind.playing(node.played(), conventional),
                    node.played(),
                    node.multifunction(),
                    false,
                    node.declaredSecondary()));
        }
        try {
            return Optional.of(MachineHierarchy.build(cast));
        } catch (NotRealisable why) {
            throw new NotRealisable(scenario.source() + ": " + why.getMessage());
        }
    }

    private static GuestDevice.Kind kind(Scenario scenario, JsonNode function, String address) throws NotRealisable {
        String express = function.path("express").asText("");
        if (isHostBridge(function)) {
            return GuestDevice.Kind.HOST_BRIDGE;
        }
        return switch (express) {
            case "root-port" -> GuestDevice.Kind.ROOT_PORT;
            case "switch-upstream-port" -> GuestDevice.Kind.SWITCH_UPSTREAM_PORT;
            case "switch-downstream-port" -> GuestDevice.Kind.SWITCH_DOWNSTREAM_PORT;
            case "pcie-to-pci-bridge" -> GuestDevice.Kind.PCIE_TO_PCI_BRIDGE;
            case "", "endpoint", "rc-integrated-endpoint", "legacy-endpoint" -> {
                if (function.has("bridge")) {
                    yield express.isEmpty() ? GuestDevice.Kind.PCI_BRIDGE : fail(scenario, address, express);
                }
                yield GuestDevice.Kind.PLAIN;
            }
            default -> fail(scenario, address, express);
        };
    }

    private static GuestDevice.Kind fail(Scenario scenario, String address, String express) throws NotRealisable {
        throw new NotRealisable(
                scenario.source() + ": " + address + " is a " + express + "; QEMU has no device of that port type");
    }

    /** Whether a bridge to conventional PCI lies between the node and the root. */
    private static boolean behindConventional(MachineHierarchy.Node node, List<MachineHierarchy.Node> nodes) {
        for (MachineHierarchy.Node bridge : nodes) {
            if (bridge.declaredSecondary().isPresent()
                    && bridge.declaredSecondary().getAsInt() == node.bus()) {
                return bridge.kind() == GuestDevice.Kind.PCIE_TO_PCI_BRIDGE
                        || bridge.kind() == GuestDevice.Kind.PCI_BRIDGE
                        || behindConventional(bridge, nodes);
            }
        }
        return false;
    }

    /** Whether the scenario's topology is given in the pci form. */
    static boolean hasPciForm(Scenario scenario) {
        return functions(scenario).isPresent();
    }

    /** The devices the file's pci form has as PCIe ports (their pcieport is the guest's own). */
    static java.util.Set<DeviceId> ports(Scenario scenario) {
        java.util.Set<DeviceId> ports = new java.util.HashSet<>();
        functions(scenario)
                .ifPresent(list -> list.forEach(f -> {
                    String express = f.path("express").asText("");
                    if (express.endsWith("port")) {
                        ports.add(new DeviceId(full(f.get("address").asText())));
                    }
                }));
        return ports;
    }

    /**
     * The file's topology.pci.functions: the parsed scenario keeps only the derived devices. A random
     * walk that was not written out has no file; its machine gives the form.
     */
    private static Optional<JsonNode> functions(Scenario scenario) {
        Path file = Path.of(scenario.source());
        if (!Files.isRegularFile(file)) {
            return WalkMachines.pciFunctions(scenario);
        }
        try {
            JsonNode functions = JSON.readTree(Files.readString(file))
                    .path("topology")
                    .path("pci")
                    .path("functions");
            return functions.isArray() ? Optional.of(functions) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean isHostBridge(JsonNode function) {
        return function.path("class").asText("").toLowerCase().startsWith("0x0600");
    }

    private static String full(String address) {
        return address.length() == 7 ? "0000:" + address : address;
    }
}
