package dev.custody.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.DynamicId;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.PciDeviceIds;
import dev.custody.model.Topology;
import dev.custody.topology.GroupDerivation;
import dev.custody.topology.GroupingResult;
import dev.custody.topology.PciFunction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * The {@code topology} object of a scenario file (docs/scenario-format.md, Topology): per-device
 * groups in {@code devices}, or a PCI hierarchy in {@code pci} whose groups are derived.
 */
final class TopologyParser {
    private final String file;
    private final JsonFields json;

    TopologyParser(String file) {
        this.file = file;
        this.json = new JsonFields(file);
    }

    Topology parse(JsonNode topology) {
        if (topology == null || !topology.isObject()) {
            throw ScenarioException.atField(file, "topology", "must be an object");
        }
        SequencedMap<String, IommuSpec> iommus = iommus(topology.get("iommus"));
        SequencedMap<String, DriverSpec> drivers = Topology.catalogueWith(drivers(topology.get("drivers")));
        JsonNode pci = topology.get("pci");
        if (pci == null || pci.isNull()) {
            return new Topology(iommus, drivers, devices(topology.get("devices"), iommus, drivers));
        }
        if (topology.has("devices")) {
            throw ScenarioException.atField(file, "topology.devices", "give either \"devices\" or \"pci\", not both");
        }
        return new Topology(iommus, drivers, pciDevices(pci, iommus, drivers));
    }

    private SequencedMap<String, IommuSpec> iommus(JsonNode list) {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        for (JsonNode iommu : json.array(list, "topology.iommus", true)) {
            String where = "topology.iommus[" + iommus.size() + "]";
            String name = json.text(iommu, "name", where);
            long pageSizes = iommu.has("pageSizes")
                    ? pageSizes(iommu.get("pageSizes"), where + ".pageSizes")
                    : IommuSpec.DEFAULT_PAGE_SIZES;
            int width = iommu.has("addressWidth")
                    ? json.integer(iommu.get("addressWidth"), where + ".addressWidth")
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
        for (JsonNode driver : json.array(list, "topology.drivers", false)) {
            String where = "topology.drivers[" + drivers.size() + "]";
            drivers.add(new DriverSpec(
                    json.text(driver, "name", where),
                    json.bool(driver, "managedDma", where),
                    json.bool(driver, "vfio", where),
                    idTable(driver, where)));
        }
        return drivers;
    }

    /**
     * A driver's optional {@code ids}: its static id table, entries {@code "vendor:device"} in hex or
     * {@code *}, with an optional {@code ":driver_data"} in hex (0 when left out).
     */
    private Optional<List<DynamicId>> idTable(JsonNode driver, String where) {
        JsonNode list = driver.get("ids");
        if (list == null || list.isNull()) {
            return Optional.empty();
        }
        List<DynamicId> table = new ArrayList<>();
        for (JsonNode entry : json.array(list, where + ".ids", false)) {
            String at = where + ".ids[" + table.size() + "]";
            String[] parts = entry.isTextual() ? entry.asText().split(":", -1) : new String[0];
            if (parts.length != 2 && parts.length != 3) {
                throw ScenarioException.atField(
                        file,
                        at,
                        "must read vendor:device[:driver_data] in hex, vendor or device * for any, not " + entry);
            }
            DynamicId id = DynamicId.entry(idField(parts[0], at), idField(parts[1], at));
            table.add(parts.length == 2 ? id : id.withDriverData(driverData(parts[2], at)));
        }
        return Optional.of(table);
    }

    private long driverData(String text, String at) {
        try {
            return Long.parseUnsignedLong(text, 16);
        } catch (NumberFormatException notHex) {
            throw ScenarioException.atField(file, at, "driver_data \"" + text + "\" is not a 64-bit hex number");
        }
    }

    private int idField(String text, String at) {
        if (text.equals("*")) {
            return DynamicId.ANY;
        }
        try {
            int value = Integer.parseInt(text, 16);
            if (value >= 0 && value <= 0xffff) {
                return value;
            }
        } catch (NumberFormatException notHex) {
            // named below with the whole entry's place
        }
        throw ScenarioException.atField(file, at, "\"" + text + "\" is not a 16-bit hex id or *");
    }

    private SequencedMap<DeviceId, DeviceSpec> devices(
            JsonNode list, Map<String, IommuSpec> iommus, Map<String, DriverSpec> drivers) {
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        Map<GroupId, String> groupIommu = new HashMap<>();
        int index = 0;
        for (JsonNode device : json.array(list, "topology.devices", true)) {
            String where = "topology.devices[" + index++ + "]";
            DeviceId id = new DeviceId(json.text(device, "name", where));
            Optional<String> iommu = iommu(device, where, iommus);
            Optional<GroupId> group =
                    device.has("group") && !device.get("group").isNull()
                            ? Optional.of(new GroupId(json.integer(device.get("group"), where + ".group")))
                            : Optional.empty();
            if (group.isPresent() && iommu.isEmpty()) {
                iommu = Optional.of(onlyIommu(iommus, where));
            }
            if (iommu.isPresent() && group.isEmpty()) {
                throw ScenarioException.atField(file, where + ".group", "a device behind an IOMMU needs its group");
            }
            if (group.isPresent()) {
                sameIommu(groupIommu, group.get(), iommu.get(), where);
            }
            DeviceSpec spec = device(device, where, id, iommu, group, drivers).withPciIds(pciIds(device, where));
            if (devices.put(id, spec) != null) {
                throw ScenarioException.atField(file, where + ".name", "device " + id + " is listed twice");
            }
        }
        return devices;
    }

    /**
     * The {@code "pci"} form (docs/scenario-pci-topology.md): groups come from {@link GroupDerivation},
     * numbered in the order the kernel would allocate them, and each function is a device named by
     * its address. Without any IOMMU the functions have no groups, as on a host without one.
     */
    private SequencedMap<DeviceId, DeviceSpec> pciDevices(
            JsonNode pci, Map<String, IommuSpec> iommus, Map<String, DriverSpec> drivers) {
        PciForm form = new PciFormParser(file).parse(pci);
        GroupingResult grouping = GroupDerivation.derive(form.topology(), form.policy());
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        Map<GroupId, String> groupIommu = new HashMap<>();
        for (PciFunction function : form.topology().functions()) {
            JsonNode node = form.functions().get(function.address());
            String where = form.where().get(function.address());
            Optional<String> iommu = iommu(node, where, iommus);
            Optional<GroupId> group = Optional.empty();
            if (!iommus.isEmpty()) {
                if (iommu.isEmpty()) {
                    iommu = Optional.of(onlyIommu(iommus, where));
                }
                group = grouping.groupOf(function.address()).map(g -> new GroupId(g.number()));
                sameIommu(groupIommu, group.orElseThrow(), iommu.get(), where);
            }
            DeviceId id = new DeviceId(function.address().toString());
            // the bus reset that reaches this function is its bus's bridge's (docs/scenario-format.md, hot reset)
            Optional<DeviceId> bridge = form.topology()
                    .upstreamBridge(function.address().busAddress())
                    .map(b -> new DeviceId(b.address().toString()));
            // the function's config header gives the ids a dynamic id (new_id) is matched against
            Optional<PciDeviceIds> ids = Optional.of(
                    new PciDeviceIds(function.ids().vendor(), function.ids().device()));
            devices.put(
                    id,
                    device(node, where, id, iommu, group, drivers)
                            .withUpstreamBridge(bridge)
                            .withPciIds(ids));
        }
        return devices;
    }

    /** The {@code devices} form's optional {@code ids}, {@code "vendor:device"} in hex. */
    private Optional<PciDeviceIds> pciIds(JsonNode device, String where) {
        Optional<String> text = json.optionalText(device, "ids", where);
        try {
            return text.map(PciDeviceIds::parse);
        } catch (IllegalArgumentException e) {
            throw ScenarioException.atField(file, where + ".ids", e.getMessage());
        }
    }

    private Optional<String> iommu(JsonNode device, String where, Map<String, IommuSpec> iommus) {
        Optional<String> iommu = json.optionalText(device, "iommu", where);
        if (iommu.isPresent() && !iommus.containsKey(iommu.get())) {
            throw ScenarioException.atField(file, where + ".iommu", "unknown IOMMU " + iommu.get());
        }
        return iommu;
    }

    private String onlyIommu(Map<String, IommuSpec> iommus, String where) {
        if (iommus.size() != 1) {
            throw ScenarioException.atField(file, where + ".iommu", "a device in a group needs its IOMMU");
        }
        return iommus.keySet().iterator().next();
    }

    private void sameIommu(Map<GroupId, String> groupIommu, GroupId group, String iommu, String where) {
        String previous = groupIommu.putIfAbsent(group, iommu);
        if (previous != null && !previous.equals(iommu)) {
            throw ScenarioException.atField(
                    file,
                    where + ".iommu",
                    "group " + group + " is already behind " + previous + "; a group sits behind one IOMMU");
        }
    }

    /** The fields both forms share: {@code matches}, {@code present}, {@code driver}, {@code requireDirect}. */
    private DeviceSpec device(
            JsonNode device,
            String where,
            DeviceId id,
            Optional<String> iommu,
            Optional<GroupId> group,
            Map<String, DriverSpec> drivers) {
        List<String> matches = new ArrayList<>();
        for (JsonNode match : json.array(device.get("matches"), where + ".matches", false)) {
            matches.add(knownDriver(match.asText(), drivers, where + ".matches"));
        }
        boolean present = !device.has("present") || json.bool(device, "present", where);
        Optional<String> boot = json.optionalText(device, "driver", where);
        boot.ifPresent(d -> knownDriver(d, drivers, where + ".driver"));
        if (boot.isPresent() && !present) {
            throw ScenarioException.atField(file, where + ".driver", "an absent device cannot have a boot driver");
        }
        return new DeviceSpec(id, iommu, group, matches, json.bool(device, "requireDirect", where), present, boot);
    }

    private String knownDriver(String name, Map<String, DriverSpec> drivers, String where) {
        if (!drivers.containsKey(name)) {
            throw ScenarioException.atField(
                    file, where, "unknown driver " + name + " (known: " + String.join(", ", drivers.keySet()) + ")");
        }
        return name;
    }

    private long pageSizes(JsonNode node, String where) {
        long bitmap = 0;
        for (JsonNode size : json.array(node, where, true)) {
            long bytes = PageSize.parse(size)
                    .orElseThrow(() -> ScenarioException.atField(
                            file, where, "page size " + size + " is not a power of two like \"4K\", \"2M\" or 4096"));
            bitmap |= bytes;
        }
        if (bitmap == 0) {
            throw ScenarioException.atField(file, where, "needs at least one page size");
        }
        return bitmap;
    }
}
