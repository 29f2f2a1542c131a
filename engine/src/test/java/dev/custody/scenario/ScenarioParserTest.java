package dev.custody.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.ops.U64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Invalid files are refused before anything runs, with the file, the step and the field named. */
class ScenarioParserTest {
    private static final String TOPOLOGY = """
            "topology": {"iommus": [{"name": "dmar0"}],
                         "devices": [{"name": "A", "iommu": "dmar0", "group": 1},
                                     {"name": "B", "iommu": "dmar0", "group": 1}]}""";

    private static String file(String steps) {
        return "{" + TOPOLOGY + ", \"steps\": [" + steps + "]}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "unknown op            | {\"op\": \"driver.bnd\", \"device\": \"A\"}                          | 1 | op",
                "missing argument      | {\"op\": \"driver.bind\", \"device\": \"A\"}                         | 1 | driver",
                "unknown device        | {\"op\": \"driver.bind\", \"device\": \"Z\", \"driver\": \"e1000e\"} | 1 | device",
                "unknown driver        | {\"op\": \"driver.bind\", \"device\": \"A\", \"driver\": \"igb\"}    | 1 | driver",
                "undefined name        | {\"op\": \"vfio.group.status\", \"fd\": \"g1\"}                      | 1 | fd",
                "bad number            | {\"op\": \"iommu.unmap\", \"domain\": 0, \"iova\": \"0xZZ\", \"size\": 1} | 1 | iova",
                "unknown field         | {\"op\": \"state\", \"group\": 1, \"grop\": 2}                       | 1 | grop",
                "bad expectation       | {\"op\": \"state\", \"group\": 1, \"expect\": \"EWHAT\"}             | 1 | expect",
                "signed hex digits     | {\"op\": \"iommu.unmap\", \"domain\": 0, \"iova\": \"0x-1000\", \"size\": 1} | 1 | iova",
                "fd beyond a long      | {\"op\": \"vfio.group.status\", \"fd\": 1180591620717411303424}      | 1 | fd",
                "group beyond an int   | {\"op\": \"state\", \"group\": 4294967297}                       | 1 | group",
                "expectState group too big | {\"op\": \"state\", \"group\": 1, \"expectState\": {\"group\": 4294967297}} | 1 | expectState",
                "unknown flag          | {\"op\": \"vfio.map_dma\", \"container\": 0, \"iova\": 0, \"vaddr\": 0, \"size\": 4096, \"flags\": [\"EXEC\"]} | 1 | flags",
                "unknown IOMMU type    | {\"op\": \"vfio.container.set_iommu\", \"fd\": 0, \"type\": \"type9\"} | 1 | type",
            })
    void namesFileStepAndField(String why, String step, int number, String field) {
        ScenarioException e = assertThrows(
                ScenarioException.class,
                () -> ScenarioParser.parse("bad.json", file("{\"op\": \"state\", \"group\": 1}, " + step)));
        assertEquals("bad.json", e.file());
        assertEquals(Optional.of(number + 1), e.step(), e.getMessage());
        assertEquals(Optional.of(field), e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith("bad.json: step " + (number + 1) + ", field " + field), e.getMessage());
    }

    /** Input from anyone must not be able to crash, slow down or silently change the parser's reading. */
    @Test
    void hostileFilesAreRefusedAsInvalid() {
        String duplicate = file("{\"op\": \"state\", \"group\": 1, \"expect\": \"ok\", \"expect\": \"EBUSY\"}");
        ScenarioException twice =
                assertThrows(ScenarioException.class, () -> ScenarioParser.parse("dup.json", duplicate));
        assertTrue(twice.getMessage().contains("Duplicate field 'expect'"), twice.getMessage());

        String deep = "[".repeat(5000) + "]".repeat(5000);
        ScenarioException nested = assertThrows(ScenarioException.class, () -> ScenarioParser.parse("deep.json", deep));
        assertTrue(nested.getMessage().startsWith("deep.json: not valid JSON"), nested.getMessage());

        String longHex = file(
                "{\"op\": \"iommu.unmap\", \"domain\": 0, \"iova\": \"0x" + "1".repeat(2_000_000) + "\", \"size\": 1}");
        // refused by its length before any digit is converted (it took over a minute to parse)
        ScenarioException huge = assertThrows(ScenarioException.class, () -> ScenarioParser.parse("hex.json", longHex));
        assertTrue(huge.getMessage().startsWith("hex.json: not valid JSON"), huge.getMessage());
    }

    @Test
    void aNameDefinedLaterIsStillUndefinedEarlier() {
        ScenarioException e = assertThrows(
                ScenarioException.class,
                () -> ScenarioParser.parse(
                        "late.json",
                        file(
                                "{\"op\": \"vfio.group.status\", \"fd\": \"g1\"}, {\"op\": \"vfio.group.open\", \"group\": 1, \"as\": \"g1\"}")));
        assertEquals(Optional.of(1), e.step());
    }

    @Test
    void malformedJsonNamesTheLine() {
        ScenarioException e =
                assertThrows(ScenarioException.class, () -> ScenarioParser.parse("broken.json", "{\n\"steps\": [,]}"));
        assertTrue(e.getMessage().contains("broken.json") && e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void topologyErrorsNameTheField() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioParser.parse("t.json", """
                {"topology": {"iommus": [{"name": "a"}, {"name": "b"}],
                              "devices": [{"name": "A", "iommu": "a", "group": 1}, {"name": "B", "iommu": "b", "group": 1}]},
                 "steps": []}"""));
        assertEquals(Optional.of("topology.devices[1].iommu"), e.field(), e.getMessage());
    }

    @Test
    void numbersInBothSpellingsAndAllSixtyFourBits() {
        Scenario s = ScenarioParser.parse(
                "n.json", file("{\"op\": \"iommu.iova_to_phys\", \"domain\": -1, \"iova\": \"0xffffffffffffffff\"}"));
        assertEquals(-1L, U64.bits(s.steps().get(0).field("iova").orElseThrow()).orElseThrow());
        assertTrue(U64.sameNumber(
                new com.fasterxml.jackson.databind.node.TextNode("0x10"),
                com.fasterxml.jackson.databind.node.IntNode.valueOf(16)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "not vendor:device | [\"8086\"]      | topology.drivers[0].ids[0]",
                "not hex           | [\"zz:10d3\"]   | topology.drivers[0].ids[0]",
                "wider than 16 bits| [\"8086:10d3f\"]| topology.drivers[0].ids[0]",
                "not a list        | \"8086:10d3\"   | topology.drivers[0].ids",
                "driver_data not hex| [\"8086:10d3:zz\"] | topology.drivers[0].ids[0]",
            })
    void aBadDriverIdTableIsNamedWithItsEntry(String why, String table, String field) {
        String file = """
                {"topology": {"iommus": [{"name": "dmar0"}],
                              "drivers": [{"name": "igb", "ids": TABLE}],
                              "devices": [{"name": "A", "iommu": "dmar0", "group": 1}]},
                 "steps": []}""".replace("TABLE", table);
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioParser.parse("bad.json", file));
        assertEquals(Optional.of(field), e.field(), e.getMessage());
    }

    @Test
    void aDeclaredIdTableReadsWithWildcards() {
        Scenario scenario = ScenarioParser.parse("tables.json", """
                {"topology": {"iommus": [{"name": "dmar0"}],
                              "drivers": [{"name": "igb", "ids": ["8086:10D3:5", "1af4:*"]}, {"name": "stub", "ids": []}],
                              "devices": [{"name": "A", "iommu": "dmar0", "group": 1}]},
                 "steps": []}""");
        var igb = scenario.topology().driver("igb").orElseThrow();
        assertEquals(2, igb.idTable().orElseThrow().size());
        assertEquals(5, igb.idTable().orElseThrow().getFirst().driverData());
        assertEquals(0, igb.idTable().orElseThrow().getLast().driverData());
        assertTrue(igb.tableMatches(new dev.custody.model.PciDeviceIds(0x1af4, 0x1041)));
        assertTrue(igb.tableMatches(new dev.custody.model.PciDeviceIds(0x8086, 0x10d3)));
        assertEquals(false, igb.tableMatches(new dev.custody.model.PciDeviceIds(0x8086, 0x10d4)));
        assertEquals(
                Optional.of(java.util.List.of()),
                scenario.topology().driver("stub").orElseThrow().idTable());
        assertEquals(
                Optional.empty(),
                scenario.topology().driver("e1000e").orElseThrow().idTable());
    }
}
