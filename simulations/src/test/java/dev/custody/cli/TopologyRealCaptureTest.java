package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A tree captured with `custody topology capture` from a real KVM guest without an IOMMU: an Intel
 * host bridge and five virtio functions, all conventional PCI on the root bus. With no kernel groups
 * to compare, each function is derived alone (no multifunction slot, no bridge joins them).
 */
class TopologyRealCaptureTest {
    private static final Path GUEST = Path.of("../engine/src/test/resources/topology/kvm-guest-virtio-capture");

    @Test
    void aRealGuestCaptureImportsAsSixGroupsOfOne() throws Exception {
        CliRun run = CliRun.of("topology", "import", "--sysfs", GUEST.toString(), "--json");
        assertEquals(0, run.status(), run.err());
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertEquals(6, json.get("groups").size(), run.out());
        json.get("groups").forEach(group -> assertEquals(1, group.size(), "a group of one: " + group));
        assertTrue(
                json.get("kernelGroups") == null || json.get("kernelGroups").isNull(), "the guest has no IOMMU groups");
        assertEquals(0, json.get("differences").size());
    }
}
