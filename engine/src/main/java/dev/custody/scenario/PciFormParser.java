package dev.custody.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.topology.AcsCapability;
import dev.custody.topology.AcsFlag;
import dev.custody.topology.GroupingPolicy;
import dev.custody.topology.PciAddress;
import dev.custody.topology.PciFunction;
import dev.custody.topology.PciFunctionBuilder;
import dev.custody.topology.PciTopology;
import dev.custody.topology.PciePortType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Reads {@code topology.pci} (docs/scenario-pci-topology.md) into a {@link PciForm}. */
final class PciFormParser {

    /** Fields of one function: the hardware, then the scenario fields of the per-device form. */
    static final List<String> FUNCTION_FIELDS = List.of(
            "address",
            "vendor",
            "device",
            "class",
            "subsystem",
            "multifunction",
            "virtualFunction",
            "express",
            "acs",
            "bridge",
            "iommu",
            "matches",
            "driver",
            "present",
            "requireDirect");

    private static final String WHERE = "topology.pci";

    private final String file;
    private final JsonFields json;

    PciFormParser(String file) {
        this.file = file;
        this.json = new JsonFields(file);
    }

    PciForm parse(JsonNode pci) {
        if (!pci.isObject()) throw ScenarioException.atField(file, WHERE, "must be an object");
        json.onlyKnown(pci, List.of("functions", "policy"), WHERE);
        var functions = new ArrayList<PciFunction>();
        Map<PciAddress, JsonNode> nodes = new HashMap<>();
        Map<PciAddress, String> where = new HashMap<>();
        int index = 0;
        for (JsonNode node : json.array(pci.get("functions"), WHERE + ".functions", true)) {
            String at = WHERE + ".functions[" + index++ + "]";
            if (!node.isObject()) throw ScenarioException.atField(file, at, "must be an object");
            json.onlyKnown(node, FUNCTION_FIELDS, at);
            var function = function(node, at);
            if (nodes.put(function.address(), node) != null) {
                throw ScenarioException.atField(file, at + ".address", function.address() + " is listed twice");
            }
            where.put(function.address(), at);
            functions.add(function);
        }
        PciTopology topology;
        try {
            topology = PciTopology.of(functions);
        } catch (IllegalArgumentException e) {
            throw ScenarioException.atField(file, WHERE + ".functions", e.getMessage());
        }
        return new PciForm(topology, policy(pci.get("policy")), nodes, where);
    }

    private PciFunction function(JsonNode node, String at) {
        var address = address(node.get("address"), at + ".address");
        var builder = PciFunctionBuilder.function(
                address.toString(),
                json.bounded(required(node, "vendor", at), at + ".vendor", 0xffff),
                json.bounded(required(node, "device", at), at + ".device", 0xffff));
        if (node.has("class")) builder.classCode(json.bounded(node.get("class"), at + ".class", 0xffffff));
        if (node.has("subsystem")) {
            var sub = node.get("subsystem");
            String s = at + ".subsystem";
            if (!sub.isObject()) throw ScenarioException.atField(file, s, "must be {\"vendor\": ..., \"device\": ...}");
            json.onlyKnown(sub, List.of("vendor", "device"), s);
            builder.subsystem(
                    json.bounded(required(sub, "vendor", s), s + ".vendor", 0xffff),
                    json.bounded(required(sub, "device", s), s + ".device", 0xffff));
        }
        if (json.bool(node, "multifunction", at)) builder.multifunction();
        if (json.bool(node, "virtualFunction", at)) builder.virtualFunction();
        json.optionalText(node, "express", at).ifPresent(type -> builder.express(expressType(type, at + ".express")));
        if (node.has("acs")) builder.acs(acs(node.get("acs"), at + ".acs"));
        if (node.has("bridge")) {
            var bridge = node.get("bridge");
            String b = at + ".bridge";
            if (!bridge.isObject())
                throw ScenarioException.atField(file, b, "must be {\"secondary\": ..., \"subordinate\": ...}");
            json.onlyKnown(bridge, List.of("secondary", "subordinate"), b);
            int secondary = json.bounded(required(bridge, "secondary", b), b + ".secondary", 0xff);
            int subordinate = bridge.has("subordinate")
                    ? json.bounded(bridge.get("subordinate"), b + ".subordinate", 0xff)
                    : secondary;
            if (subordinate < secondary) {
                throw ScenarioException.atField(file, b + ".subordinate", "is below the secondary bus");
            }
            builder.bridge(secondary, subordinate);
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw ScenarioException.atField(file, at, e.getMessage());
        }
    }

    private PciAddress address(JsonNode node, String at) {
        if (node == null || !node.isTextual())
            throw ScenarioException.atField(file, at, "is required, like \"0000:00:03.1\"");
        try {
            return PciAddress.parse(node.textValue());
        } catch (IllegalArgumentException e) {
            throw ScenarioException.atField(file, at, e.getMessage());
        }
    }

    private JsonNode required(JsonNode node, String field, String at) {
        var value = node.get(field);
        if (value == null || value.isNull()) throw ScenarioException.atField(file, at + "." + field, "is required");
        return value;
    }

    /** The spelling of a port type in the file: its name in lower case with dashes, "root-port". */
    static String spelling(PciePortType type) {
        return type.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private PciePortType expressType(String text, String at) {
        return Arrays.stream(PciePortType.values())
                .filter(t -> spelling(t).equals(text))
                .findFirst()
                .orElseThrow(() -> ScenarioException.atField(
                        file,
                        at,
                        "unknown PCIe port type \"" + text + "\" (one of: "
                                + String.join(
                                        ", ",
                                        Arrays.stream(PciePortType.values())
                                                .map(PciFormParser::spelling)
                                                .toList())
                                + ")"));
    }

    /**
     * {@code {"supported": [...], "enabled": [...]}}. Left out, {@code enabled} is what Linux's
     * pci_enable_acs switches on: the supported ones among SV, RR, CR and UF.
     */
    private AcsCapability acs(JsonNode node, String at) {
        if (!node.isObject())
            throw ScenarioException.atField(file, at, "must be {\"supported\": [...], \"enabled\": [...]}");
        json.onlyKnown(node, List.of("supported", "enabled"), at);
        var supported = flags(node.get("supported"), at + ".supported");
        Set<AcsFlag> enabled;
        if (node.has("enabled")) {
            enabled = flags(node.get("enabled"), at + ".enabled");
        } else {
            enabled = EnumSet.noneOf(AcsFlag.class);
            enabled.addAll(supported);
            enabled.retainAll(AcsFlag.REQUIRED_FOR_ISOLATION);
        }
        return new AcsCapability(supported, enabled);
    }

    private Set<AcsFlag> flags(JsonNode list, String at) {
        var flags = EnumSet.noneOf(AcsFlag.class);
        for (JsonNode flag : json.array(list, at, true)) {
            var name = flag.asText();
            flags.add(Arrays.stream(AcsFlag.values())
                    .filter(f -> f.name().equals(name))
                    .findFirst()
                    .orElseThrow(() -> ScenarioException.atField(
                            file, at, "unknown ACS flag \"" + name + "\" (one of: SV, TB, RR, CR, UF, EC, DT)")));
        }
        return flags;
    }

    /** {@code {"trustMultifunctionIsolation": true, "groupByBus": false, "acsOverride": [addresses]}}. */
    private GroupingPolicy policy(JsonNode node) {
        if (node == null || node.isNull()) return GroupingPolicy.KERNEL;
        String at = WHERE + ".policy";
        if (!node.isObject()) throw ScenarioException.atField(file, at, "must be an object");
        json.onlyKnown(node, List.of("trustMultifunctionIsolation", "groupByBus", "acsOverride"), at);
        boolean trust = !node.has("trustMultifunctionIsolation") || json.bool(node, "trustMultifunctionIsolation", at);
        var override = new HashSet<PciAddress>();
        int i = 0;
        for (JsonNode address : json.array(node.get("acsOverride"), at + ".acsOverride", false)) {
            override.add(address(address, at + ".acsOverride[" + i++ + "]"));
        }
        return new GroupingPolicy(trust, json.bool(node, "groupByBus", at), override);
    }
}
