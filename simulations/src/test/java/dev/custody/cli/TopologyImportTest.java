package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.scenario.ScenarioParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code custody topology import} against the committed q35 capture. */
class TopologyImportTest {

    static final String Q35_GROUPS = "[[\"0000:00:00.0\"],[\"0000:00:02.0\"],[\"0000:00:03.0\",\"0000:00:03.1\"],"
            + "[\"0000:00:04.0\",\"0000:02:01.0\",\"0000:02:02.0\"],[\"0000:00:05.0\"],"
            + "[\"0000:00:1f.0\",\"0000:00:1f.2\",\"0000:00:1f.3\"],[\"0000:01:00.0\"],[\"0000:03:00.0\"]]";

    @TempDir
    Path dir;

    @Test
    void jsonAgreesWithTheKernelAndExitsZero() {
        var run = CliRun.of("topology", "import", "--sysfs", CliRun.Q35.toString(), "--json");
        assertEquals(0, run.status(), run.err());
        assertEquals(
                "{\"groups\":" + Q35_GROUPS + ",\"kernelGroups\":" + Q35_GROUPS + ",\"differences\":[]}",
                run.out().strip());
    }

    @Test
    void textNamesEveryGroupAndWhy() {
        var run = CliRun.of("topology", "import", "--sysfs", CliRun.Q35.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("0000:00:03.1: multifunction slot 00:03 without ACS (with 00:03.0)"), run.out());
        assertTrue(run.out().contains("differences: none"), run.out());
    }

    @Test
    void aKernelGroupThatDiffersIsReportedAndExitsOne() throws IOException {
        var capture = CliRun.copyOfQ35(dir.resolve("q35"));
        Files.writeString(capture.resolve("0000:00:03.1/iommu_group"), "9\n");
        var run = CliRun.of("topology", "import", "--sysfs", capture.toString(), "--json");
        assertEquals(1, run.status(), run.err());
        assertTrue(
                run.out()
                        .contains(
                                "\"differences\":[\"derived but not reported: [0000:00:03.0, 0000:00:03.1]\","
                                        + "\"reported but not derived: [0000:00:03.0]\",\"reported but not derived: [0000:00:03.1]\"]"),
                run.out());
    }

    @Test
    void ignoringKernelGroupsDerivesWithoutComparing() throws IOException {
        var capture = CliRun.copyOfQ35(dir.resolve("q35"));
        Files.writeString(capture.resolve("0000:00:03.1/iommu_group"), "9\n");
        var run = CliRun.of("topology", "import", "--sysfs", capture.toString(), "--json", "--ignore-kernel-groups");
        assertEquals(0, run.status(), run.err());
        assertEquals(
                "{\"groups\":" + Q35_GROUPS + ",\"kernelGroups\":null,\"differences\":[]}",
                run.out().strip());
    }

    @Test
    void aPolicyKnobChangesTheGroupsAndTheDifferencesShow() {
        var run =
                CliRun.of("topology", "import", "--sysfs", CliRun.Q35.toString(), "--json", "--policy", "group-by-bus");
        assertEquals(1, run.status());
        assertTrue(run.out().startsWith("{\"groups\":[[\"0000:00:00.0\",\"0000:00:02.0\","), run.out());
    }

    @Test
    void anAcsOverrideIsMarkedUnsafe() {
        var run = CliRun.of("topology", "import", "--sysfs", CliRun.Q35.toString(), "--policy", "acs-override=00:1f.0");
        assertTrue(run.err().contains("UNSAFE: ACS override for 0000:00:1f.0"), run.err());
    }

    @Test
    void outWritesAScenarioFileWithTheKernelsGroups() throws IOException {
        var file = dir.resolve("host.json");
        var run = CliRun.of("topology", "import", "--sysfs", CliRun.Q35.toString(), "--out", file.toString());
        assertEquals(0, run.status(), run.err());
        var topology =
                ScenarioParser.parse(file.toString(), Files.readString(file)).topology();
        assertEquals(13, topology.devices().size());
        var nvme = topology.device(new DeviceId("0000:00:03.1"));
        assertEquals(Optional.of(new GroupId(2)), nvme.group());
        assertEquals(Optional.of("nvme"), nvme.bootDriver());
        assertTrue(topology.drivers().containsKey("lpc_ich"), "host drivers outside the catalogue are listed");
    }

    @Test
    void aMalformedCaptureNamesFileAndFieldAndExitsTwo() throws IOException {
        var capture = CliRun.copyOfQ35(dir.resolve("q35"));
        Files.writeString(capture.resolve("0000:00:05.0/vendor"), "8086\n");
        var run = CliRun.of("topology", "import", "--sysfs", capture.toString());
        assertEquals(2, run.status());
        assertTrue(run.err().contains("0000:00:05.0") && run.err().contains("vendor: vendor id:"), run.err());
    }

    @Test
    void anUnknownPolicyKnobExitsTwo() {
        var run = CliRun.of("topology", "import", "--sysfs", CliRun.Q35.toString(), "--policy", "trust-me");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("--policy: trust-me: unknown knob"), run.err());
    }
}
