package dev.custody.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Topology;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/** The {@code topology} object of a scenario file (scenario-format.md "Topology fields"). */
final class TopologyParser {
    private final String file;

    TopologyParser(String file) {
        this.file = file;
    }

    Topology parse(JsonNode topology) {
        if (topology == null || !topology.isObject()) {
            throw ScenarioException.atField(file, "topology", "must be an object");
        }
        SequencedMap<String, IommuSpec> iommus = iommus(topology.get("iommus"));
        SequencedMap<String, DriverSpec> drivers = Topology.catalogueWith(drivers(topology.get("drivers")));
        return new Topology(iommus, drivers, devices(topology.get("devices"), iommus, drivers));
    }

    private SequencedMap<String, IommuSpec> iommus(JsonNode list) {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        for (JsonNode iommu : array(list, "topology.iommus", true)) {
            String where = "topology.iommus[" + iommus.size() + "]";
            String name = text(iommu, "name", where);
            long pageSizes = iommu.has("pageSizes") ? pageSizes(iommu.get("pageSizes"), where + ".pageSizes")
                    : IommuSpec.DEFAULT_PAGE_SIZES;
            int width = iommu.has("addressWidth") ? integer(iommu.get("addressWidth"), where + ".addressWidth")
                    : IommuSpec.DEFAULT_ADDRESS_WIDTH;
            if (width < 12 || width > 64) {
                throw ScenarioException.atField(file, where + ".addressWidth", "must be 12..64, not " + width);
            }
            if (iommus.put(name, new IommuSpec(name, pageSizes, width)) != null) {
                throw ScenarioException.atField(file, where + ".name", "IOMMU " + name + " is listed twice");
            }
        }
        return iommus;
    }

    private List<DriverSpec> drivers(JsonNode list) {
        List<DriverSpec> drivers = new ArrayList<>();
        for (JsonNode driver : array(list, "topology.drivers", false)) {
            String where = "topology.drivers[" + drivers.size() + "]";
            drivers.add(new DriverSpec(text(driver, "name", where), bool(driver, "managedDma", where),
                    bool(driver, "vfio", where)));
        }
        return drivers;
    }

    private SequencedMap<DeviceId, DeviceSpec> devices(JsonNode list, Map<String, IommuSpec> iommus,
                                                       Map<String, DriverSpec> drivers) {
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        Map<GroupId, String> groupIommu = new HashMap<>();
        int index = 0;
        for (JsonNode device : array(list, "topology.devices", true)) {
            String where = "topology.devices[" + index++ + "]";
            DeviceId id = new DeviceId(text(device, "name", where));
            Optional<String> iommu = optionalText(device, "iommu", where);
            if (iommu.isPresent() && !iommus.containsKey(iommu.get())) {
                throw ScenarioException.atField(file, where + ".iommu", "unknown IOMMU " + iommu.get());
            }
            Optional<GroupId> group = device.has("group") && !device.get("group").isNull()
                    ? Optional.of(new GroupId(integer(device.get("group"), where + ".group"))) : Optional.empty();
            if (group.isPresent() && iommu.isEmpty()) {
                if (iommus.size() != 1) {
                    throw ScenarioException.atField(file, where + ".iommu", "a device in a group needs its IOMMU");
                }
                iommu = Optional.of(iommus.keySet().iterator().next());
            }
            if (iommu.isPresent() && group.isEmpty()) {
                throw ScenarioException.atField(file, where + ".group", "a device behind an IOMMU needs its group");
            }
            if (group.isPresent()) {
                String previous = groupIommu.putIfAbsent(group.get(), iommu.get());
                if (previous != null && !previous.equals(iommu.get())) {
                    throw ScenarioException.atField(file, where + ".iommu", "group " + group.get()
                            + " is already behind " + previous + "; a group sits behind one IOMMU");
                }
            }
            List<String> matches = new ArrayList<>();
            for (JsonNode match : array(device.get("matches"), where + ".matches", false)) {
                matches.add(knownDriver(match.asText(), drivers, where + ".matches"));
            }
            boolean present = !device.has("present") || bool(device, "present", where);
            Optional<String> boot = optionalText(device, "driver", where);
            boot.ifPresent(d -> knownDriver(d, drivers, where + ".driver"));
            if (boot.isPresent() && !present) {
                throw ScenarioException.atField(file, where + ".driver", "an absent device cannot have a boot driver");
            }
            DeviceSpec spec = new DeviceSpec(id, iommu, group, matches, bool(device, "requireDirect", where), present, boot);
            if (devices.put(id, spec) != null) {
                throw ScenarioException.atField(file, where + ".name", "device " + id + " is listed twice");
            }
        }
        return devices;
    }

    private String knownDriver(String name, Map<String, DriverSpec> drivers, String where) {
        if (!drivers.containsKey(name)) {
            throw ScenarioException.atField(file, where, "unknown driver " + name + " (known: "
                    + String.join(", ", drivers.keySet()) + ")");
        }
        return name;
    }

    private long pageSizes(JsonNode node, String where) {
        long bitmap = 0;
        for (JsonNode size : array(node, where, true)) {
            long bytes = PageSize.parse(size).orElseThrow(() -> ScenarioException.atField(file, where,
                    "page size " + size + " is not a power of two like \"4K\", \"2M\" or 4096"));
            bitmap |= bytes;
        }
        if (bitmap == 0) {
            throw ScenarioException.atField(file, where, "needs at least one page size");
        }
        return bitmap;
    }

    private Iterable<JsonNode> array(JsonNode node, String where, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                throw ScenarioException.atField(file, where, "is required");
            }
            return List.of();
        }
        if (!node.isArray()) {
            throw ScenarioException.atField(file, where, "must be a list");
        }
        return node;
    }

    private String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.textValue().isBlank()) {
            throw ScenarioException.atField(file, where + "." + field, "must be a non-empty string");
        }
        return value.textValue();
    }

    private Optional<String> optionalText(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        return Optional.of(text(node, field, where));
    }

    private boolean bool(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw ScenarioException.atField(file, where + "." + field, "must be true or false");
        }
        return value.booleanValue();
    }

    private int integer(JsonNode node, String where) {
        return U64.exact(node).filter(v -> v.bitLength() < 31).map(v -> v.intValue())
                .orElseThrow(() -> ScenarioException.atField(file, where, "must be an integer, not " + node));
    }
}
