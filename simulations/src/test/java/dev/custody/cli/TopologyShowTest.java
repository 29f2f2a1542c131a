package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code custody topology show}: the q35 tree with groups, drivers and reasons. */
class TopologyShowTest {

    @Test
    void theTreeFollowsTheBridgesAndAnnotatesEachFunction() {
        var run = CliRun.of("topology", "show", "--sysfs", CliRun.Q35.toString());
        assertEquals(0, run.status(), run.err());
        var lines = run.out().lines().toList();
        assertEquals(
                List.of(
                        "[0000:00] root bus",
                        "+- 00.0 host bridge [8086:29c0]  group 0 (kernel 0)  driver -",
                        "+- 02.0 root port [1b36:000c]  group 1 (kernel 1)  driver pcieport",
                        "|  \\- [0000:01]",
                        "|     \\- 00.0 PCIe endpoint [1b36:0010]  group 6 (kernel 6)  driver nvme"),
                lines.subList(0, 5));
        assertTrue(
                lines.contains(
                        "|     \\- 02.0 conventional PCI device [1af4:1000]  group 3 (kernel 3)  driver virtio-pci"),
                run.out());
        assertTrue(
                lines.contains("\\- 1f.3 conventional PCI device [8086:2930]  group 5 (kernel 5)  driver -"),
                run.out());
    }

    @Test
    void everyGroupSaysWhyItFormed() {
        var run = CliRun.of("topology", "show", "--sysfs", CliRun.Q35.toString());
        assertTrue(run.out().contains("why each group formed:"), run.out());
        assertTrue(
                run.out().contains("0000:02:02.0: behind PCIe-to-PCI bridge 00:04.0 (its requests appear as 02:00.0)"),
                run.out());
        assertTrue(run.out().contains("0000:00:1f.3: multifunction slot 00:1f without ACS (with 00:1f.0)"), run.out());
        assertTrue(!run.out().contains("differences from the kernel"), run.out());
    }

    @Test
    void aPolicyThatDepartsFromTheKernelShowsTheDifferences() {
        var run = CliRun.of("topology", "show", "--sysfs", CliRun.Q35.toString(), "--policy", "group-by-bus");
        assertEquals(0, run.status());
        assertTrue(run.out().contains("differences from the kernel's groups:"), run.out());
    }

    @Test
    void aMissingCaptureExitsTwo() {
        var run = CliRun.of("topology", "show", "--sysfs", "no-such-capture");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("no-such-capture: capture: not a directory"), run.err());
    }

    @Test
    void jsonHoldsEveryFunctionOnceWithItsGroupAndEveryGroupWithItsReasons() throws Exception {
        var run = CliRun.of("topology", "show", "--sysfs", CliRun.Q35.toString(), "--json");
        assertEquals(0, run.status(), run.err());
        var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.out());
        assertEquals(13, root.get("functions").size(), run.out());
        var nvme = java.util.stream.StreamSupport.stream(root.get("functions").spliterator(), false)
                .filter(f -> f.get("address").asText().equals("0000:01:00.0"))
                .findFirst()
                .orElseThrow();
        assertEquals("nvme", nvme.get("driver").asText());
        assertEquals(6, nvme.get("group").asInt());
        assertEquals(6, nvme.get("kernelGroup").asInt());
        assertEquals("0000:00:02.0", nvme.get("upstream").asText(), "behind root port 00:02.0");
        int members = 0;
        for (var group : root.get("groups")) {
            members += group.get("members").size();
            group.get("members").forEach(m -> assertTrue(m.get("reasons").isArray(), m.toString()));
        }
        assertEquals(13, members, "each function in one group");
        assertEquals(0, root.get("differences").size());
    }
}
