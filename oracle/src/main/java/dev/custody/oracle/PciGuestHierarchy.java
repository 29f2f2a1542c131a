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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.TreeMap;

/**
 * A scenario's {@code "pci"} form realised as itself: root ports as QEMU pcie-root-ports (which
 * have ACS), endpoints at the addresses the file gives, on the root bus or below their port. The
 * guest then derives the groups from the same hierarchy, and the comparison of groups checks the
 * derivation too. What QEMU cannot build the same way (switches, conventional bridges, a root port
 * without ACS, bus numbers the firmware would assign differently) is refused.
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
        Map<Integer, String> portOfBus = new TreeMap<>();
        SequencedMap<DeviceId, GuestDevice> devices = new LinkedHashMap<>();
        List<String> arguments = new ArrayList<>();
        int chassis = 0;
        for (JsonNode function : sorted(functions.get())) {
            String address = full(function.get("address").asText());
            DeviceId id = new DeviceId(address);
            String express = function.path("express").asText("");
            int bus = Integer.parseInt(address.substring(5, 7), 16);
            String slot = address.substring(8);
            boolean multifunction = function.path("multifunction").asBoolean(false) && address.endsWith(".0");
            if (isHostBridge(function)) {
                if (!address.equals("0000:00:00.0")) {
                    throw new NotRealisable(
                            scenario.source() + ": host bridge " + address + "; q35 has one, at 00:00.0");
                }
                devices.put(
                        id,
                        new GuestDevice(id, address, GuestDevice.Kind.HOST_BRIDGE, Optional.empty(), Optional.empty()));
                continue;
            }
            if (express.equals("root-port")) {
                if (bus != 0
                        || !function.has("bridge")
                        || !function.path("acs").path("supported").toString().contains("SV")) {
                    throw new NotRealisable(scenario.source() + ": root port " + address
                            + " must sit on bus 0 with ACS and a secondary bus, as QEMU's pcie-root-port does");
                }
                int secondary = U64.exact(function.get("bridge").get("secondary"))
                        .orElseThrow()
                        .intValue();
                if (secondary != portOfBus.size() + 1) {
                    throw new NotRealisable(scenario.source() + ": root port " + address + " has secondary bus "
                            + secondary + "; the firmware numbers root ports' buses 1, 2, ... in address order");
                }
                String port = "rp" + (++chassis);
                portOfBus.put(secondary, port);
                arguments.add("-device");
                arguments.add("pcie-root-port,id=" + port + ",chassis=" + chassis + ",addr=" + slot
                        + (multifunction ? ",multifunction=on" : ""));
                devices.put(
                        id,
                        new GuestDevice(id, address, GuestDevice.Kind.ROOT_PORT, Optional.empty(), Optional.empty()));
                continue;
            }
            if (function.has("bridge")
                    || !(express.isEmpty() || express.equals("endpoint") || express.equals("rc-integrated-endpoint"))) {
                throw new NotRealisable(
                        scenario.source() + ": " + address + " is a " + (express.isEmpty() ? "bridge" : express)
                                + "; the VM realises root ports and endpoints of a pci form");
            }
            Optional<String> driver = Optional.ofNullable(played.get(id));
            GuestDevice.Kind kind = GuestDevice.Kind.playing(driver, false);
            StringBuilder argument = new StringBuilder(kind.qemuDevice);
            if (bus != 0) {
                String port = portOfBus.get(bus);
                if (port == null) {
                    throw new NotRealisable(
                            scenario.source() + ": " + address + " is on bus " + bus + ", below no root port");
                }
                argument.append(",bus=").append(port);
            }
            argument.append(",addr=").append(slot).append(multifunction ? ",multifunction=on" : "");
            if (kind == GuestDevice.Kind.NVME) {
                argument.append(",serial=custody").append(address.replaceAll("[:.]", ""));
            }
            arguments.add("-device");
            arguments.add(argument.toString());
            devices.put(id, new GuestDevice(id, address, kind, driver, Optional.empty()));
        }
        return Optional.of(new PciGuestHierarchy(devices, arguments));
    }

    static boolean isRootPort(Scenario scenario, DeviceId device) {
        return functions(scenario).stream()
                .flatMap(list -> java.util.stream.StreamSupport.stream(list.spliterator(), false))
                .anyMatch(f -> full(f.get("address").asText()).equals(device.name())
                        && f.path("express").asText("").equals("root-port"));
    }

    /** The file's topology.pci.functions: the parsed scenario keeps only the derived devices. */
    private static Optional<JsonNode> functions(Scenario scenario) {
        Path file = Path.of(scenario.source());
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
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

    /** Bus by bus, each in devfn order: the order QEMU must see ports before what sits below them. */
    private static List<JsonNode> sorted(JsonNode functions) {
        List<JsonNode> list = new ArrayList<>();
        functions.forEach(list::add);
        list.sort(java.util.Comparator.comparing(f -> full(f.get("address").asText())));
        return list;
    }

    private static boolean isHostBridge(JsonNode function) {
        return function.path("class").asText("").toLowerCase().startsWith("0x0600");
    }

    private static String full(String address) {
        return address.length() == 7 ? "0000:" + address : address;
    }
}
