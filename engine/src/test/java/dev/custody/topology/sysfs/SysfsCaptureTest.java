package dev.custody.topology.sysfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.topology.GroupDerivation;
import dev.custody.topology.PciAddress;
import dev.custody.topology.PciTopology;
import dev.custody.topology.PciePortType;
import dev.custody.topology.ReportedGroups;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the committed q35 capture back into the model. */
class SysfsCaptureTest {

    @TempDir
    Path temp;

    static Path committedFixture() {
        try {
            return Path.of(
                    SysfsCaptureTest.class.getResource(Q35Capture.RESOURCE).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void readsTheCommittedFixtureAsTheQ35Layout() {
        var capture = SysfsCapture.read(committedFixture());
        assertEquals(PciTopology.of(Q35Capture.functions()), capture.topology());
        assertEquals(List.of(), capture.warnings());
    }

    @Test
    void recoversTheHierarchyFromBridgeBusNumbers() {
        var topology = SysfsCapture.read(committedFixture()).topology();
        var bus2 = PciAddress.parse("02:01.0").busAddress();
        assertEquals(
                PciAddress.parse("00:04.0"),
                topology.upstreamBridge(bus2).orElseThrow().address());
        assertTrue(topology.isRootBus(PciAddress.parse("00:1f.0").busAddress()));
        assertEquals(
                PciePortType.ROOT_PORT,
                topology.require(PciAddress.parse("00:05.0")).expressType().orElseThrow());
    }

    @Test
    void derivedGroupsMatchTheReportedOnes() {
        var topology = SysfsCapture.read(committedFixture()).topology();
        assertEquals(List.of(), ReportedGroups.differences(GroupDerivation.derive(topology), topology));
        assertEquals(8, ReportedGroups.of(topology).size());
    }

    @Test
    void aDifferentReportedGroupIsNamed() throws IOException {
        var copy = FixtureCopies.copyOf(committedFixture(), temp);
        Files.writeString(copy.resolve("0000:00:03.1/iommu_group"), "9\n");
        var topology = SysfsCapture.read(copy).topology();
        var differences = ReportedGroups.differences(GroupDerivation.derive(topology), topology);
        assertTrue(
                differences.contains("derived but not reported: [0000:00:03.0, 0000:00:03.1]"), differences::toString);
        assertTrue(differences.contains("reported but not derived: [0000:00:03.1]"), differences::toString);
    }

    @Test
    void aCaptureWithoutGroupsSaysSo() {
        var topology = dev.custody.topology.Q35Layout.topology();
        assertEquals(
                List.of("the capture reports no IOMMU groups (no IOMMU, or it is off)"),
                ReportedGroups.differences(GroupDerivation.derive(topology), topology));
    }

    @Test
    void theGeneratorReproducesTheCommittedFixture(@TempDir Path fresh) throws IOException {
        CaptureFixture.write(fresh, Q35Capture.functions());
        var committed = FixtureCopies.files(committedFixture());
        assertEquals(committed, FixtureCopies.files(fresh));
        for (var file : committed) {
            assertArrayEquals(
                    Files.readAllBytes(committedFixture().resolve(file)),
                    Files.readAllBytes(fresh.resolve(file)),
                    file);
        }
    }

    @Test
    void aHeaderOnlyConfigIsReadWithAWarning() throws IOException {
        var copy = FixtureCopies.copyOf(committedFixture(), temp);
        var config = copy.resolve("0000:01:00.0/config");
        Files.write(config, java.util.Arrays.copyOf(Files.readAllBytes(config), 64));
        var capture = SysfsCapture.read(copy);
        assertFalse(capture.topology().require(PciAddress.parse("01:00.0")).isPcie());
        assertEquals(
                List.of("0000:01:00.0: config holds only the header; PCIe and ACS capabilities unknown, "
                        + "taken as absent"),
                capture.warnings());
    }
}
