package dev.custody.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.ModelEngine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The output lines of docs/scenario-format.md: numbering, result, reason, state, value, completes, summary. */
class ScenarioRunnerTest {

    private static List<ObjectNode> run(String json) {
        List<ObjectNode> lines = new ArrayList<>();
        ScenarioRunner.run(ScenarioParser.parse("t.json", json), new ModelEngine(), lines::add);
        return lines;
    }

    private static final String FORMAT_EXAMPLE = """
            {"name": "claim-blocked-by-kernel-driver",
             "topology": {
               "iommus":  [ { "name": "dmar0", "pageSizes": ["4K", "2M", "1G"], "addressWidth": 48 } ],
               "drivers": [ { "name": "e1000e" }, { "name": "vfio-pci", "managedDma": true, "vfio": true } ],
               "devices": [
                 { "name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "matches": ["e1000e"] },
                 { "name": "0000:00:03.1", "iommu": "dmar0", "group": 1 },
                 { "name": "0000:00:05.0", "iommu": "dmar0", "group": 2, "requireDirect": true },
                 { "name": "0000:00:06.0", "iommu": "dmar0", "group": 3, "present": false } ] },
             "steps": [
               { "op": "driver.bind", "device": "0000:00:03.0", "driver": "e1000e", "expect": "ok" },
               { "op": "driver.bind", "device": "0000:00:03.1", "driver": "vfio-pci", "expect": "ok" },
               { "op": "vfio.group.open", "group": 1, "as": "g1" },
               { "op": "vfio.container.open", "as": "c1" },
               { "op": "vfio.group.set_container", "fd": "g1", "container": "c1", "expect": "EPERM",
                 "expectState": { "group": 1, "ownerCnt": 1, "owner": null, "domain": "default" } } ] }""";

    @Test
    void theFormatsOwnExampleGivesItsLine() {
        List<ObjectNode> lines = run(FORMAT_EXAMPLE);
        ObjectNode setContainer = lines.get(4);
        assertEquals(5, setContainer.get("step").asInt());
        assertEquals("vfio.group.set_container", setContainer.get("op").asText());
        assertEquals("EPERM", setContainer.get("result").asText());
        assertEquals(
                "group 1 has 1 kernel DMA user (0000:00:03.0 bound to e1000e)",
                setContainer.get("reason").asText());
        assertEquals(
                "{\"group\":1,\"ownerCnt\":1,\"owner\":null,\"domain\":\"default\"}",
                setContainer.get("state").toString());
        assertTrue(setContainer.get("match").asBoolean());
        assertFalse(lines.get(3).has("match"), "a step without expectations has no match field");
        assertEquals(
                "{\"summary\":{\"steps\":5,\"mismatches\":0,\"violations\":0,\"file\":\"t.json\"}}",
                lines.get(5).toString());
    }

    @Test
    void aWrongExpectationIsAMismatch() {
        List<ObjectNode> lines = run(FORMAT_EXAMPLE.replace("\"expect\": \"EPERM\"", "\"expect\": \"ok\""));
        assertFalse(lines.get(4).get("match").asBoolean());
        assertEquals(1, lines.get(5).get("summary").get("mismatches").asInt());
    }

    @Test
    void sixtyFourBitValuesSurviveAndCompareNumerically() {
        List<ObjectNode> lines = run("""
                {"topology": {"iommus": [{"name": "dmar0"}], "devices": [{"name": "C", "iommu": "dmar0", "group": 2}]},
                 "steps": [
                   {"op": "driver.bind", "device": "C", "driver": "vfio-pci"},
                   {"op": "iommufd.open", "as": "X"},
                   {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I"},
                   {"op": "iommufd.iova_ranges", "ioas": "I",
                    "expectValue": {"ranges": [[0, "0xffffffffffffffff"]], "alignment": "0x1"}}]}""");
        assertEquals(
                "[[0,18446744073709551615]]",
                lines.get(3).get("value").get("ranges").toString());
        assertTrue(lines.get(3).get("match").asBoolean(), lines.get(3).toString());
    }

    @Test
    void aBlockedUnbindIsCompletedByTheClose() {
        List<ObjectNode> lines = run("""
                {"topology": {"iommus": [{"name": "dmar0"}], "devices": [{"name": "C", "iommu": "dmar0", "group": 2}]},
                 "steps": [
                   {"op": "driver.bind", "device": "C", "driver": "vfio-pci"},
                   {"op": "cdev.open", "device": "C", "as": "fd"},
                   {"op": "driver.unbind", "device": "C", "expect": "PENDING"},
                   {"op": "cdev.close", "fd": "fd", "completes": 3},
                   {"op": "state", "group": 2, "expectValue": {"devices": [{"device": "C", "driver": null}]}}]}""");
        assertEquals(3, lines.get(3).get("completes").asInt());
        assertTrue(lines.get(3).get("match").asBoolean());
        assertTrue(lines.get(4).get("match").asBoolean(), lines.get(4).toString());
    }
}
