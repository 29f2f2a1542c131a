package dev.custody.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.GroupId;
import dev.custody.model.Topology;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code "pci"} topology form: groups derived from the hierarchy, errors naming the field. */
class PciTopologyFormTest {

    /** A q35-like machine: ACS root port with a NIC behind it, a two-function slot without ACS. */
    private static final String FUNCTIONS = """
            {"address": "00:00.0", "vendor": "0x8086", "device": "0x29c0", "class": "0x060000"},
            {"address": "00:02.0", "vendor": "0x1b36", "device": "0x000c", "express": "root-port",
             "acs": {"supported": ["SV", "RR", "CR", "UF"]}, "bridge": {"secondary": 1}},
            {"address": "00:03.0", "vendor": "0x8086", "device": "0x10d3", "multifunction": true, "driver": "e1000e"},
            {"address": "00:03.1", "vendor": "0x8086", "device": "0x10d3", "multifunction": true},
            {"address": "01:00.0", "vendor": "0x8086", "device": "0x10d3", "express": "endpoint", "matches": ["e1000e"]}""";

    private static Topology parse(String iommus, String pci) {
        return ScenarioParser.parse("pci.json", """
                {"topology": {"iommus": [%s], "pci": %s}, "steps": []}""".formatted(iommus, pci)).topology();
    }

    private static Map<Integer, List<String>> groups(Topology topology) {
        return topology.devices().values().stream()
                .filter(d -> d.group().isPresent())
                .collect(Collectors.groupingBy(
                        d -> d.group().get().number(),
                        TreeMap::new,
                        Collectors.mapping(d -> d.id().name(), Collectors.toList())));
    }

    @Test
    void groupsAreDerivedAndNumberedInProbeOrder() {
        var topology = parse("{\"name\": \"dmar0\"}", "{\"functions\": [" + FUNCTIONS + "]}");
        assertEquals(
                Map.of(
                        0, List.of("0000:00:00.0"),
                        1, List.of("0000:00:02.0"),
                        2, List.of("0000:00:03.0", "0000:00:03.1"),
                        3, List.of("0000:01:00.0")),
                groups(topology));
    }

    @Test
    void virtualFunctionsInOneSlotAreNotOneDevicesFunctions() {
        String functions = FUNCTIONS
                .replace("\"multifunction\": true, \"driver\"", "\"virtualFunction\": true, \"driver\"")
                .replace("\"multifunction\": true}", "\"virtualFunction\": true}");
        var topology = parse("{\"name\": \"dmar0\"}", "{\"functions\": [" + functions + "]}");
        assertEquals(
                Map.of(
                        0, List.of("0000:00:00.0"),
                        1, List.of("0000:00:02.0"),
                        2, List.of("0000:00:03.0"),
                        3, List.of("0000:00:03.1"),
                        4, List.of("0000:01:00.0")),
                groups(topology));
    }

    @Test
    void scenarioFieldsAndTheOnlyIommuCarryOver() {
        var topology = parse("{\"name\": \"dmar0\"}", "{\"functions\": [" + FUNCTIONS + "]}");
        DeviceSpec nic = topology.device(new DeviceId("0000:01:00.0"));
        assertEquals(Optional.of("dmar0"), nic.iommu());
        assertEquals(List.of("e1000e"), nic.matches());
        assertEquals(
                Optional.of("e1000e"),
                topology.device(new DeviceId("0000:00:03.0")).bootDriver());
    }

    @Test
    void policyKnobsApply() {
        var topology = parse(
                "{\"name\": \"dmar0\"}", "{\"policy\": {\"groupByBus\": true}, \"functions\": [" + FUNCTIONS + "]}");
        assertEquals(
                Optional.of(new GroupId(0)),
                topology.device(new DeviceId("0000:00:03.1")).group());
    }

    @Test
    void withoutAnIommuNothingIsGrouped() {
        var topology = parse("", "{\"functions\": [" + FUNCTIONS + "]}");
        assertTrue(topology.devices().values().stream()
                .allMatch(d -> d.group().isEmpty() && d.iommu().isEmpty()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "bad address     | {\"address\": \"00:3.0\", \"vendor\": 1, \"device\": 1}                          | topology.pci.functions[0].address",
                "missing vendor  | {\"address\": \"00:03.0\", \"device\": 1}                                          | topology.pci.functions[0].vendor",
                "id too large    | {\"address\": \"00:03.0\", \"vendor\": \"0x10000\", \"device\": 1}                 | topology.pci.functions[0].vendor",
                "unknown field   | {\"address\": \"00:03.0\", \"vendor\": 1, \"device\": 1, \"group\": 2}            | topology.pci.functions[0].group",
                "port type       | {\"address\": \"00:03.0\", \"vendor\": 1, \"device\": 1, \"express\": \"rootport\"} | topology.pci.functions[0].express",
                "ACS flag        | {\"address\": \"00:03.0\", \"vendor\": 1, \"device\": 1, \"acs\": {\"supported\": [\"XX\"]}} | topology.pci.functions[0].acs.supported",
                "unknown driver  | {\"address\": \"00:03.0\", \"vendor\": 1, \"device\": 1, \"driver\": \"igb\"}     | topology.pci.functions[0].driver",
            })
    void invalidFunctionsNameTheField(String why, String function, String field) {
        var e = assertThrows(
                ScenarioException.class, () -> parse("{\"name\": \"dmar0\"}", "{\"functions\": [" + function + "]}"));
        assertEquals(Optional.of(field), e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith("pci.json: field " + field), e.getMessage());
    }

    @Test
    void twoBridgesClaimingOneBusAreRefused() {
        var e = assertThrows(ScenarioException.class, () -> parse("{\"name\": \"dmar0\"}", """
                {"functions": [{"address": "00:02.0", "vendor": 1, "device": 1, "bridge": {"secondary": 1}},
                               {"address": "00:04.0", "vendor": 1, "device": 1, "bridge": {"secondary": 1}}]}"""));
        assertEquals(Optional.of("topology.pci.functions"), e.field());
        assertTrue(e.getMessage().contains("both claim secondary bus"), e.getMessage());
    }

    @Test
    void devicesAndPciTogetherAreRefused() {
        var e = assertThrows(ScenarioException.class, () -> ScenarioParser.parse("both.json", """
                {"topology": {"iommus": [{"name": "dmar0"}], "devices": [], "pci": {"functions": []}}, "steps": []}"""));
        assertEquals(Optional.of("topology.devices"), e.field());
    }

    @Test
    void twoIommusNeedEachFunctionToNameOne() {
        var e = assertThrows(
                ScenarioException.class,
                () -> parse(
                        "{\"name\": \"a\"}, {\"name\": \"b\"}",
                        "{\"functions\": [{\"address\": \"00:03.0\", \"vendor\": 1, \"device\": 1}]}"));
        assertEquals(Optional.of("topology.pci.functions[0].iommu"), e.field());
    }
}
