package dev.custody.server;

import dev.custody.model.Topology;
import dev.custody.scenario.ScenarioParser;

/** Small machines for the server's tests. */
final class Topologies {
    private Topologies() {}

    /** Group 1: two functions of a NIC; group 2: one device; group 3: one device. */
    static Topology threeGroups() {
        return ScenarioParser.parse("three-groups", """
                {"topology": {"iommus": [{"name": "dmar0"}], "devices": [
                  {"name": "0000:00:03.0", "iommu": "dmar0", "group": 1},
                  {"name": "0000:00:03.1", "iommu": "dmar0", "group": 1},
                  {"name": "0000:00:04.0", "iommu": "dmar0", "group": 2},
                  {"name": "0000:00:05.0", "iommu": "dmar0", "group": 3}]},
                 "steps": []}
                """).topology();
    }
}
