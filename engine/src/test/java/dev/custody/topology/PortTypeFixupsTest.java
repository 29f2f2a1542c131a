package dev.custody.topology;

import static dev.custody.topology.GroupAssertions.groups;
import static dev.custody.topology.GroupAssertions.shortNames;
import static dev.custody.topology.Parts.GENERIC;
import static dev.custody.topology.Parts.pcieEndpoint;
import static dev.custody.topology.Parts.rootPortWithAcs;
import static dev.custody.topology.PciFunctionBuilder.function;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * set_pcie_port_type (drivers/pci/probe.c): the port type the kernel believes, given the type a port reports
 * and the (already corrected) type of the bridge above it.
 */
class PortTypeFixupsTest {

    private static PciFunction port(String address, PciePortType type, int secondary) {
        return function(address, GENERIC, 0x0400)
                .express(type)
                .acs(AcsCapability.isolating())
                .bridge(secondary, secondary)
                .build();
    }

    private static PciFunction conventionalBridge(String address, int secondary) {
        return function(address, GENERIC, 0x0401).bridge(secondary, secondary).build();
    }

    static Stream<Arguments> corrections() {
        return Stream.of(
                Arguments.of(
                        "downstream port below a root port acts as an upstream port",
                        List.of(port("00:02.0", PciePortType.ROOT_PORT, 1)),
                        PciePortType.SWITCH_DOWNSTREAM_PORT,
                        Optional.of(PciePortType.SWITCH_UPSTREAM_PORT)),
                Arguments.of(
                        "downstream port below a downstream port acts as an upstream port",
                        List.of(
                                port("00:02.0", PciePortType.ROOT_PORT, 1),
                                port("01:00.0", PciePortType.SWITCH_UPSTREAM_PORT, 2),
                                port("02:00.0", PciePortType.SWITCH_DOWNSTREAM_PORT, 3)),
                        PciePortType.SWITCH_DOWNSTREAM_PORT,
                        Optional.of(PciePortType.SWITCH_UPSTREAM_PORT)),
                Arguments.of(
                        "downstream port below a PCI-to-PCIe bridge acts as an upstream port",
                        List.of(port("00:02.0", PciePortType.PCI_TO_PCIE_BRIDGE, 1)),
                        PciePortType.SWITCH_DOWNSTREAM_PORT,
                        Optional.of(PciePortType.SWITCH_UPSTREAM_PORT)),
                Arguments.of(
                        "downstream port below an upstream port is what it says",
                        List.of(
                                port("00:02.0", PciePortType.ROOT_PORT, 1),
                                port("01:00.0", PciePortType.SWITCH_UPSTREAM_PORT, 2)),
                        PciePortType.SWITCH_DOWNSTREAM_PORT,
                        Optional.of(PciePortType.SWITCH_DOWNSTREAM_PORT)),
                Arguments.of(
                        "downstream port below a conventional bridge is left alone",
                        List.of(conventionalBridge("00:1e.0", 1)),
                        PciePortType.SWITCH_DOWNSTREAM_PORT,
                        Optional.of(PciePortType.SWITCH_DOWNSTREAM_PORT)),
                Arguments.of(
                        "downstream port below a PCIe-to-PCI bridge is left alone",
                        List.of(port("00:02.0", PciePortType.PCIE_TO_PCI_BRIDGE, 1)),
                        PciePortType.SWITCH_DOWNSTREAM_PORT,
                        Optional.of(PciePortType.SWITCH_DOWNSTREAM_PORT)),
                Arguments.of(
                        "upstream port below an upstream port acts as a downstream port",
                        List.of(
                                port("00:02.0", PciePortType.ROOT_PORT, 1),
                                port("01:00.0", PciePortType.SWITCH_UPSTREAM_PORT, 2)),
                        PciePortType.SWITCH_UPSTREAM_PORT,
                        Optional.of(PciePortType.SWITCH_DOWNSTREAM_PORT)),
                Arguments.of(
                        "upstream port below a root port is what it says",
                        List.of(port("00:02.0", PciePortType.ROOT_PORT, 1)),
                        PciePortType.SWITCH_UPSTREAM_PORT,
                        Optional.of(PciePortType.SWITCH_UPSTREAM_PORT)),
                Arguments.of(
                        "root port below a root port is not corrected (only the two switch types are)",
                        List.of(port("00:02.0", PciePortType.ROOT_PORT, 1)),
                        PciePortType.ROOT_PORT,
                        Optional.of(PciePortType.ROOT_PORT)),
                Arguments.of(
                        "the parent's corrected type counts: upstream port below a port that claimed downstream",
                        List.of(
                                port("00:02.0", PciePortType.ROOT_PORT, 1),
                                port("01:00.0", PciePortType.SWITCH_DOWNSTREAM_PORT, 2)),
                        PciePortType.SWITCH_UPSTREAM_PORT,
                        Optional.of(PciePortType.SWITCH_DOWNSTREAM_PORT)),
                Arguments.of(
                        "the parent's corrected type counts: downstream port below a port that claimed downstream",
                        List.of(
                                port("00:02.0", PciePortType.ROOT_PORT, 1),
                                port("01:00.0", PciePortType.SWITCH_DOWNSTREAM_PORT, 2)),
                        PciePortType.SWITCH_DOWNSTREAM_PORT,
                        Optional.of(PciePortType.SWITCH_DOWNSTREAM_PORT)));
    }

    /** The port under test sits on the secondary bus of the last function given, at device 0. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("corrections")
    void believedType(String name, List<PciFunction> above, PciePortType reported, Optional<PciePortType> believed) {
        int bus = above.getLast().bridgeBuses().orElseThrow().secondary();
        var address = "%02x:00.0".formatted(bus);
        var functions = new ArrayList<>(above);
        functions.add(port(address, reported, bus + 1));
        var topology = PciTopology.of(functions);
        assertEquals(believed, topology.require(PciAddress.parse(address)).expressType());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rootBusTypes")
    void aPortOnTheRootBusHasNoParentToContradictIt(PciePortType reported) {
        var topology = PciTopology.of(List.of(port("00:02.0", reported, 1)));
        assertEquals(
                Optional.of(reported),
                topology.require(PciAddress.parse("00:02.0")).expressType());
    }

    static Stream<PciePortType> rootBusTypes() {
        return Stream.of(PciePortType.SWITCH_DOWNSTREAM_PORT, PciePortType.SWITCH_UPSTREAM_PORT);
    }

    /**
     * A switch whose upstream port claims to be a downstream port: corrected, it needs no ACS, and its real
     * downstream ports (judged against the corrected type) keep their ACS, so each endpoint stands alone.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("misreportingSwitch")
    void aSwitchWithAMisreportedUpstreamPortGroupsLikeAProperOne(String name, PciePortType upstreamReports) {
        var topology = PciTopology.of(List.of(
                rootPortWithAcs("00:02.0", 1),
                function("01:00.0", GENERIC, 0x0400)
                        .express(upstreamReports)
                        .bridge(2, 4)
                        .build(),
                port("02:01.0", PciePortType.SWITCH_DOWNSTREAM_PORT, 3),
                port("02:02.0", PciePortType.SWITCH_DOWNSTREAM_PORT, 4),
                pcieEndpoint("03:00.0"),
                pcieEndpoint("04:00.0")));
        assertEquals(
                groups("00:02.0", "01:00.0", "02:01.0", "02:02.0", "03:00.0", "04:00.0"),
                shortNames(GroupDerivation.derive(topology)));
    }

    static Stream<Arguments> misreportingSwitch() {
        return Stream.of(
                Arguments.of("upstream port reports upstream", PciePortType.SWITCH_UPSTREAM_PORT),
                Arguments.of("upstream port reports downstream", PciePortType.SWITCH_DOWNSTREAM_PORT));
    }
}
