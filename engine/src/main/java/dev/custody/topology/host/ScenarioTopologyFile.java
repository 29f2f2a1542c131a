package dev.custody.topology.host;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.Topology;
import dev.custody.topology.PciAddress;
import dev.custody.topology.PciFunction;
import dev.custody.topology.PciTopology;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.TreeSet;

/**
 * A host's topology as a scenario file (docs/scenario-format.md) with explicit per-device groups and no
 * steps yet: one IOMMU, each function named by its address, bound drivers as boot drivers. Drivers
 * the built-in catalogue lacks are listed as kernel-DMA drivers, which is what most host drivers are.
 */
public final class ScenarioTopologyFile {

    public static final String IOMMU = "iommu0";

    private ScenarioTopologyFile() {}

    public static ObjectNode of(PciTopology topology, HostGroups groups, ObjectMapper json) {
        var file = json.createObjectNode();
        file.put("name", "imported-topology");
        file.put("description", "A host's PCI functions; groups " + groups.origin() + ". Add steps to use it.");
        var top = file.putObject("topology");
        top.putArray("iommus").addObject().put("name", IOMMU);
        var unknownDrivers = new TreeSet<String>();
        var devices = json.createArrayNode();
        for (PciFunction f : topology.functions()) {
            var device = devices.addObject().put("name", f.address().toString());
            groups.numberOf(f.address())
                    .ifPresent(n -> device.put("iommu", IOMMU).put("group", n));
            f.driver().ifPresent(d -> {
                device.put("driver", d);
                if (Topology.BUILT_IN_DRIVERS.stream().noneMatch(b -> b.name().equals(d))) unknownDrivers.add(d);
            });
        }
        if (!unknownDrivers.isEmpty()) {
            var drivers = top.putArray("drivers");
            unknownDrivers.forEach(d -> drivers.addObject().put("name", d));
        }
        top.set("devices", devices);
        file.putArray("steps");
        return file;
    }

    /**
     * The file's topology as parsed, with each device's upstream bridge (pci_dev->bus->self) from the
     * tree it was written from: the file's devices form has no field for it, and without it every
     * device looks as if it sat on a root bus, where the hot-reset rules find neither a slot nor a bus
     * reset (ENODEV) although the host resets it through its bridge.
     */
    public static Topology withUpstreamBridges(Topology parsed, PciTopology topology) {
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        for (DeviceSpec device : parsed.devices().values()) {
            Optional<DeviceId> bridge = topology.upstreamBridge(
                            PciAddress.parse(device.id().name()).busAddress())
                    .map(b -> new DeviceId(b.address().toString()));
            devices.put(device.id(), device.withUpstreamBridge(bridge));
        }
        return new Topology(parsed.iommus(), parsed.drivers(), devices);
    }
}
