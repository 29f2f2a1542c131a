package dev.custody.topology;

import static dev.custody.topology.Parts.conventional;
import static dev.custody.topology.Parts.rootPortWithAcs;
import static dev.custody.topology.PciFunctionBuilder.function;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PciTopologyTest {

    @Test
    void segmentsListBusesWithTheirUpstreamBridge() {
        var segments = Q35Layout.topology().segments();
        assertEquals(1, segments.size());
        var buses = segments.getFirst().buses();
        assertEquals(
                List.of(0, 1, 2, 3), buses.stream().map(b -> b.address().bus()).toList());
        assertEquals(Optional.empty(), buses.get(0).upstreamBridge());
        assertEquals(Optional.of(PciAddress.parse("00:04.0")), buses.get(2).upstreamBridge());
        assertEquals(
                List.of(PciAddress.parse("02:01.0"), PciAddress.parse("02:02.0")),
                buses.get(2).functions());
    }

    @Test
    void slotsGatherFunctions() {
        var slots = Q35Layout.topology().slots();
        var ich9 =
                slots.stream().filter(s -> s.name().equals("00:1f")).findFirst().orElseThrow();
        assertEquals(3, ich9.functions().size());
        assertTrue(ich9.isMultifunction());
    }

    static Stream<Arguments> kinds() {
        return Stream.of(
                Arguments.of("00:00.0", DeviceKind.HOST_BRIDGE),
                Arguments.of("00:02.0", DeviceKind.ROOT_PORT),
                Arguments.of("00:03.0", DeviceKind.PCI_ENDPOINT),
                Arguments.of("00:03.1", DeviceKind.RC_INTEGRATED_ENDPOINT),
                Arguments.of("00:04.0", DeviceKind.PCIE_TO_PCI_BRIDGE),
                Arguments.of("03:00.0", DeviceKind.PCIE_ENDPOINT));
    }

    @ParameterizedTest(name = "{0} is a {1}")
    @MethodSource("kinds")
    void kindsFollowClassAndPortType(String address, DeviceKind kind) {
        assertEquals(
                kind, Q35Layout.topology().require(PciAddress.parse(address)).kind());
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(List.of(conventional("00:01.0"), conventional("00:01.0")), "listed twice"),
                Arguments.of(
                        List.of(rootPortWithAcs("00:01.0", 1), rootPortWithAcs("00:02.0", 1)),
                        "both claim secondary bus 0000:01"),
                Arguments.of(List.of(function("01:00.0", 1, 1).bridge(1, 1).build()), "its own bus 01 inside"),
                Arguments.of(
                        List.of(
                                function("01:00.0", 1, 1).bridge(2, 2).build(),
                                function("02:00.0", 1, 1).bridge(1, 1).build()),
                        "bridge loop above"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void rejectsInconsistentHierarchies(List<PciFunction> functions, String message) {
        var error = assertThrows(IllegalArgumentException.class, () -> PciTopology.of(functions));
        assertTrue(error.getMessage().contains(message), error.getMessage());
    }
}
