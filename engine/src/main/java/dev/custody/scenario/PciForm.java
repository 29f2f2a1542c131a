package dev.custody.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.topology.GroupingPolicy;
import dev.custody.topology.PciAddress;
import dev.custody.topology.PciTopology;
import java.util.Map;

/**
 * The {@code "pci"} topology form read from a scenario file (docs/scenario-pci-topology.md): the
 * hierarchy groups are derived from, the grouping policy, and each function's JSON object with the
 * scenario fields ({@code iommu}, {@code matches}, {@code driver}, ...) still to be read.
 *
 * @param where each function's field path, for error messages ({@code topology.pci.functions[3]})
 */
record PciForm(
        PciTopology topology,
        GroupingPolicy policy,
        Map<PciAddress, JsonNode> functions,
        Map<PciAddress, String> where) {

    PciForm {
        functions = Map.copyOf(functions);
        where = Map.copyOf(where);
    }
}
