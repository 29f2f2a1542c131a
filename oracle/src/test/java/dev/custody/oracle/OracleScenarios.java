package dev.custody.oracle;

import dev.custody.scenario.Scenario;
import dev.custody.scenario.ScenarioParser;

/** Small scenarios for the oracle's tests, written inline so each test shows what it feeds in. */
final class OracleScenarios {
    private OracleScenarios() {}

    static final String TOPOLOGY = """
            "topology": {
              "iommus": [ { "name": "dmar0" } ],
              "devices": [
                { "name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "matches": ["e1000e"], "driver": "e1000e" },
                { "name": "0000:00:03.1", "iommu": "dmar0", "group": 1 },
                { "name": "0000:00:04.0", "iommu": "dmar0", "group": 2, "matches": ["nvme"] },
                { "name": "0000:00:05.0", "iommu": "dmar0", "group": 3, "present": false }
              ]
            }""";

    static Scenario withSteps(String steps) {
        return ScenarioParser.parse("test.json", "{ \"name\": \"t\", " + TOPOLOGY + ", \"steps\": [" + steps + "] }");
    }

    static Scenario withTopology(String topology, String steps) {
        return ScenarioParser.parse(
                "test.json", "{ \"name\": \"t\", \"topology\": " + topology + ", \"steps\": [" + steps + "] }");
    }
}
