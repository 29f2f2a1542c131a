package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.Topology;
import dev.custody.scenario.ScenarioParser;
import dev.custody.topology.GroupDerivation;
import dev.custody.topology.GroupingPolicy;
import dev.custody.topology.host.HostGroups;
import dev.custody.topology.host.ScenarioTopologyFile;
import dev.custody.topology.sysfs.SysfsCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine {@code custody serve} governs: a scenario file's topology, or a host's PCI tree. */
public final class TopologySources {
    private TopologySources() {}

    /** A scenario file's topology (or {@code pci} form); its steps are not read. */
    public static Topology scenarioFile(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(Files.readString(file));
        if (root instanceof ObjectNode object) {
            object.putArray("steps");
        }
        return ScenarioParser.parse(file.toString(), root.toString()).topology();
    }

    /** A captured (or live) PCI tree with the kernel's groups when it has them, else derived as the kernel would. */
    public static Topology capture(SysfsCapture capture, String source) {
        var pci = capture.topology();
        var derived = GroupDerivation.derive(pci, GroupingPolicy.KERNEL);
        ObjectNode file = ScenarioTopologyFile.of(pci, HostGroups.of(pci, derived, false), new ObjectMapper());
        return ScenarioTopologyFile.withUpstreamBridges(
                ScenarioParser.parse(source, file.toString()).topology(), pci);
    }
}
