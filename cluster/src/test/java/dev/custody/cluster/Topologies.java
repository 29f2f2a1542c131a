package dev.custody.cluster;

import dev.custody.model.Topology;
import dev.custody.scenario.ScenarioParser;

/** Small machines for the cluster's tests. */
final class Topologies {
    private Topologies() {}

    /** Group 1: two functions of a NIC; group 2: one device. */
    static Topology twoGroups() {
        return ScenarioParser.parse("two-groups", """
                {"topology": {"iommus": [{"name": "dmar0"}], "devices": [
                  {"name": "0000:00:03.0", "iommu": "dmar0", "group": 1},
                  {"name": "0000:00:03.1", "iommu": "dmar0", "group": 1},
                  {"name": "0000:00:04.0", "iommu": "dmar0", "group": 2}]},
                 "steps": []}
                """).topology();
    }
}
