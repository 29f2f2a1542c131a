package dev.custody.topology;

import static dev.custody.topology.GroupAssertions.groups;
import static dev.custody.topology.GroupAssertions.shortNames;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The q35 guest must group exactly as the kernel grouped it (pci_device_group). */
class Q35GroupingTest {

    private final GroupingResult result = GroupDerivation.derive(Q35Layout.topology());

    @Test
    void groupsAsTheKernelFormedThem() {
        // Bus 0 is probed before the buses below its bridges, so children get later numbers.
        assertEquals(
                groups(
                        "00:00.0",
                        "00:02.0",
                        "00:03.0 00:03.1",
                        "00:04.0 02:01.0 02:02.0",
                        "00:05.0",
                        "00:1f.0 00:1f.2 00:1f.3",
                        "01:00.0",
                        "03:00.0"),
                shortNames(result));
    }

    @Test
    void probeOrderIsBusZeroThenEachBridgeDepthFirst() {
        var order = ProbeOrder.of(Q35Layout.topology()).stream()
                .map(f -> f.address().shortName())
                .toList();
        assertEquals(
                List.of(
                        "00:00.0", "00:02.0", "00:03.0", "00:03.1", "00:04.0", "00:05.0", "00:1f.0", "00:1f.2",
                        "00:1f.3", "01:00.0", "02:01.0", "02:02.0", "03:00.0"),
                order);
    }

    static Stream<Arguments> reasons() {
        return Stream.of(
                Arguments.of("00:00.0", List.of("no group to share: allocated group 0")),
                Arguments.of("00:03.1", List.of("multifunction slot 00:03 without ACS (with 00:03.0)")),
                Arguments.of("02:01.0", List.of("behind PCIe-to-PCI bridge 00:04.0 (its requests appear as 02:00.0)")),
                Arguments.of("02:02.0", List.of("behind PCIe-to-PCI bridge 00:04.0 (its requests appear as 02:00.0)")),
                Arguments.of("01:00.0", List.of("no group to share: allocated group 6")),
                Arguments.of("00:1f.3", List.of("multifunction slot 00:1f without ACS (with 00:1f.0)")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void reasons(String device, List<String> expected) {
        assertEquals(
                expected, result.member(PciAddress.parse(device)).orElseThrow().reasonTexts());
    }

    @Test
    void ich9FunctionsWouldBeSplitIfTheyWereIntelIntegratedEndpoints() {
        // Why the real grouping tells us they are conventional: the Intel RCiEP ACS quirk would isolate them.
        var asRcieps = Q35Layout.functions().stream()
                .map(f -> f.address().device() == 0x1f
                        ? PciFunctionBuilder.function(
                                        f.address().toString(),
                                        f.ids().vendor(),
                                        f.ids().device())
                                .multifunction()
                                .express(PciePortType.RC_INTEGRATED_ENDPOINT)
                                .build()
                        : f)
                .toList();
        var split = GroupDerivation.derive(PciTopology.of(asRcieps));
        assertEquals(
                3,
                Stream.of("00:1f.0", "00:1f.2", "00:1f.3")
                        .map(a ->
                                split.groupOf(PciAddress.parse(a)).orElseThrow().number())
                        .distinct()
                        .count());
    }
}
