package dev.custody.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One machine a random walk runs on: its topology as a scenario writes it (the {@code devices} form
 * with groups given, or the {@code pci} form whose groups the runner derives, as the kernel does),
 * the endpoints the walk's calls name, and the one endpoint it hot-removes and adds back, if any.
 *
 * @param shape      what the machine is there to exercise, for the walk's description
 * @param endpoints  the devices the walk names (ports and bridges are the machine's, never the walk's)
 * @param drivers    the kernel-DMA driver each endpoint matches, null for none; the VM plays a device
 *                   without one by QEMU's edu, which has no reset method
 * @param hotplugged the endpoint that leaves and comes back; empty where the VM cannot bring one back alone
 * @param weights    how often operations are drawn on this machine, where it differs from the walks' table
 */
record WalkMachine(
        String shape,
        ObjectNode topology,
        List<String> endpoints,
        List<String> drivers,
        Optional<String> hotplugged,
        Map<String, Integer> weights) {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    Set<String> withoutReset() {
        Set<String> none = new java.util.HashSet<>();
        for (int i = 0; i < endpoints.size(); i++) {
            if (drivers.get(i) == null) {
                none.add(endpoints.get(i));
            }
        }
        return none;
    }

    Optional<String> driverOf(String device) {
        return Optional.ofNullable(drivers.get(endpoints.indexOf(device)));
    }

    /**
     * An endpoint's PCI vendor and device id, "vvvv dddd" as new_id takes them; empty on a machine in
     * the devices form, which gives none: the VM plays a device of a hot-plugged group by another QEMU
     * device when the walk adds one (see {@link GuestDevice.Kind#playing}), so no fixed id would hold.
     */
    Optional<String> idsOf(String endpoint) {
        for (JsonNode function : pciFunctions().orElse(JSON.arrayNode())) {
            if (function.get("address").asText().equals(endpoint)) {
                return Optional.of(hex(function.get("vendor").asText()) + " "
                        + hex(function.get("device").asText()));
            }
        }
        return Optional.empty();
    }

    private static String hex(String text) {
        return "%04x".formatted(Integer.decode(text));
    }

    /** The kernel-DMA drivers of the machine, each matched by some endpoint. */
    List<String> kernelDrivers() {
        return drivers.stream().filter(java.util.Objects::nonNull).distinct().toList();
    }

    /** The file's topology.pci.functions, for a machine in the pci form. */
    Optional<JsonNode> pciFunctions() {
        JsonNode functions = topology.path("pci").path("functions");
        return functions.isArray() ? Optional.of(functions) : Optional.empty();
    }

    /** Every device name of the topology as parsed (the pci form's functions included). */
    List<String> allDevices() {
        List<String> names = new ArrayList<>();
        pciFunctions()
                .ifPresentOrElse(
                        f -> f.forEach(n -> names.add(n.get("address").asText())),
                        () -> topology.path("devices")
                                .forEach(n -> names.add(n.get("name").asText())));
        return names;
    }

    /** A machine in the devices form: each device with its group, matched driver and whether it starts bound. */
    static WalkMachine grouped(
            String shape,
            List<String> devices,
            List<Integer> groups,
            List<String> drivers,
            List<Boolean> bound,
            String hotplugged) {
        ObjectNode topology = JSON.objectNode();
        topology.putArray("iommus").addObject().put("name", "dmar0");
        ArrayNode list = topology.putArray("devices");
        for (int i = 0; i < devices.size(); i++) {
            ObjectNode device = list.addObject()
                    .put("name", devices.get(i))
                    .put("iommu", "dmar0")
                    .put("group", groups.get(i));
            if (drivers.get(i) != null) {
                device.putArray("matches").add(drivers.get(i));
                if (bound.get(i)) {
                    device.put("driver", drivers.get(i));
                }
            }
        }
        return new WalkMachine(shape, topology, devices, drivers, Optional.ofNullable(hotplugged), Map.of());
    }

    /** Builds a machine in the pci form, function by function, as QEMU's q35 realises it. */
    static final class Pci {
        private final String shape;
        private final ArrayNode functions = JSON.arrayNode();
        private final List<String> endpoints = new ArrayList<>();
        private final List<String> drivers = new ArrayList<>();
        private String hotplugged;
        private Map<String, Integer> weights = Map.of();

        Pci(String shape) {
            this.shape = shape;
            // q35's host bridge, listed so the derived numbers start where the kernel's do
            functions
                    .addObject()
                    .put("address", "0000:00:00.0")
                    .put("vendor", "0x8086")
                    .put("device", "0x29c0")
                    .put("class", "0x060000");
        }

        /** A pcie-root-port; without ACS when {@code acs} is false. */
        Pci rootPort(String address, int secondary, boolean acs, boolean multifunction) {
            ObjectNode port = port(address, "0x1b36", "0x000c", "root-port", secondary, secondary);
            if (acs) {
                port.putObject("acs")
                        .putArray("supported")
                        .add("SV")
                        .add("TB")
                        .add("RR")
                        .add("CR")
                        .add("UF");
            }
            if (multifunction) {
                port.put("multifunction", true);
            }
            return this;
        }

        /** An x3130 upstream port whose bus reaches down to {@code subordinate}. */
        Pci switchUpstream(String address, int secondary, int subordinate) {
            port(address, "0x104c", "0x8232", "switch-upstream-port", secondary, subordinate);
            return this;
        }

        /** An xio3130 downstream port (QEMU gives it no ACS). */
        Pci switchDownstream(String address, int secondary) {
            port(address, "0x104c", "0x8233", "switch-downstream-port", secondary, secondary);
            return this;
        }

        /** A pcie-pci-bridge: the conventional devices behind it alias to it. */
        Pci pcieToPciBridge(String address, int secondary) {
            ObjectNode bridge = functions
                    .addObject()
                    .put("address", address)
                    .put("vendor", "0x1b36")
                    .put("device", "0x000e")
                    .put("class", "0x060400")
                    .put("express", "pcie-to-pci-bridge");
            bridge.putObject("bridge").put("secondary", secondary);
            return this;
        }

        /**
         * An endpoint the walk names, with the QEMU ids of the device the VM plays it by (nvme for
         * "nvme", virtio-net for another driver, edu for none), so the derivation's quirks and the
         * dynamic ids see what the guest's do. {@code express} is its port type, null for conventional PCI.
         */
        Pci endpoint(String address, String express, String driver, boolean bound, boolean multifunction) {
            ObjectNode function = functions.addObject().put("address", address);
            if (driver == null) {
                function.put("vendor", "0x1234").put("device", "0x11e8").put("class", "0x00ff00");
            } else if (driver.equals("nvme")) {
                function.put("vendor", "0x1b36").put("device", "0x0010").put("class", "0x010802");
            } else {
                // virtio-net is modern only below a PCIe port (GuestDevice.Kind.MODERN_NET)
                String id = "endpoint".equals(express) ? "0x1041" : "0x1000";
                function.put("vendor", "0x1af4").put("device", id).put("class", "0x020000");
            }
            if (express != null) {
                function.put("express", express);
            }
            if (multifunction) {
                function.put("multifunction", true);
            }
            if (driver != null) {
                function.putArray("matches").add(driver);
                if (bound) {
                    function.put("driver", driver);
                }
            }
            endpoints.add(address);
            drivers.add(driver);
            return this;
        }

        /** The last endpoint starts bound to a managed-DMA driver (vfio-pci), as a host prepared for VFIO has it. */
        Pci startingOn(String driver) {
            ((ObjectNode) functions.get(functions.size() - 1)).put("driver", driver);
            return this;
        }

        /** Draws these operations this often instead (to reach a state the shape is there for). */
        Pci weighing(Map<String, Integer> weights) {
            this.weights = weights;
            return this;
        }

        Pci hotplugged(String address) {
            this.hotplugged = address;
            return this;
        }

        WalkMachine build() {
            ObjectNode topology = JSON.objectNode();
            topology.putArray("iommus").addObject().put("name", "dmar0");
            topology.putObject("pci").set("functions", functions);
            return new WalkMachine(
                    shape,
                    topology,
                    List.copyOf(endpoints),
                    Arrays.asList(drivers.toArray(String[]::new)),
                    Optional.ofNullable(hotplugged),
                    weights);
        }

        private ObjectNode port(
                String address, String vendor, String device, String express, int secondary, int subordinate) {
            ObjectNode port = functions
                    .addObject()
                    .put("address", address)
                    .put("vendor", vendor)
                    .put("device", device)
                    .put("class", "0x060400")
                    .put("express", express)
                    .put("driver", PciGuestHierarchy.PORT_DRIVER);
            ObjectNode bridge = port.putObject("bridge").put("secondary", secondary);
            if (subordinate != secondary) {
                bridge.put("subordinate", subordinate);
            }
            return port;
        }
    }
}
