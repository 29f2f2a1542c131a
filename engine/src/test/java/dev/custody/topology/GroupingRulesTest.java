package dev.custody.topology;

import static dev.custody.topology.GroupAssertions.groups;
import static dev.custody.topology.GroupAssertions.shortNames;
import static dev.custody.topology.Parts.GENERIC;
import static dev.custody.topology.Parts.INTEL;
import static dev.custody.topology.Parts.acs;
import static dev.custody.topology.Parts.conventional;
import static dev.custody.topology.Parts.pcieEndpoint;
import static dev.custody.topology.Parts.rootPortWithAcs;
import static dev.custody.topology.Parts.rootPortWithoutAcs;
import static dev.custody.topology.PciFunctionBuilder.function;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per grouping rule of pci_device_group, with the reason it must give. */
class GroupingRulesTest {

    record Case(String name, List<PciFunction> functions, List<List<String>> expected, String device, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> rules() {
        var switchUpstream = function("01:00.0", GENERIC, 0x0400)
                .express(PciePortType.SWITCH_UPSTREAM_PORT)
                .bridge(2, 4)
                .build();
        return Stream.of(
                new Case(
                        "devices on the root bus skip the ACS walk and stand alone",
                        List.of(conventional("00:01.0"), conventional("00:02.0")),
                        groups("00:01.0", "00:02.0"),
                        "00:02.0",
                        "allocated group 1"),
                new Case(
                        "an ACS root port isolates what is below it",
                        List.of(rootPortWithAcs("00:1c.0", 1), pcieEndpoint("01:00.0")),
                        groups("00:1c.0", "01:00.0"),
                        "01:00.0",
                        "allocated group 1"),
                new Case(
                        "a root port without ACS pulls its child into its group",
                        List.of(rootPortWithoutAcs("00:1c.0", 1), pcieEndpoint("01:00.0")),
                        groups("00:1c.0 01:00.0"),
                        "01:00.0",
                        "root port 00:1c.0 has no ACS path to the root (no ACS capability)"),
                new Case(
                        "ACS present but CR and UF not enabled does not isolate",
                        List.of(
                                function("00:1c.0", GENERIC, 1)
                                        .express(PciePortType.ROOT_PORT)
                                        .acs(acs(AcsFlag.REQUIRED_FOR_ISOLATION, Set.of(AcsFlag.SV, AcsFlag.RR)))
                                        .bridge(1, 1)
                                        .build(),
                                pcieEndpoint("01:00.0")),
                        groups("00:1c.0 01:00.0"),
                        "01:00.0",
                        "ACS [CR, UF] not enabled"),
                new Case(
                        "ACS controls the hardware lacks count as hard-wired on",
                        List.of(
                                function("00:1c.0", GENERIC, 1)
                                        .express(PciePortType.ROOT_PORT)
                                        .acs(acs(Set.of(AcsFlag.SV, AcsFlag.RR), Set.of(AcsFlag.SV, AcsFlag.RR)))
                                        .bridge(1, 1)
                                        .build(),
                                pcieEndpoint("01:00.0")),
                        groups("00:1c.0", "01:00.0"),
                        "01:00.0",
                        "allocated group 1"),
                new Case(
                        "a switch downstream port without ACS pulls everything below it into its group",
                        List.of(
                                function("00:01.0", GENERIC, 1)
                                        .express(PciePortType.ROOT_PORT)
                                        .acs(AcsCapability.isolating())
                                        .bridge(1, 4)
                                        .build(),
                                switchUpstream,
                                function("02:00.0", GENERIC, 0x0401)
                                        .express(PciePortType.SWITCH_DOWNSTREAM_PORT)
                                        .bridge(3, 3)
                                        .build(),
                                function("02:01.0", GENERIC, 0x0401)
                                        .express(PciePortType.SWITCH_DOWNSTREAM_PORT)
                                        .acs(AcsCapability.isolating())
                                        .bridge(4, 4)
                                        .build(),
                                pcieEndpoint("03:00.0"),
                                pcieEndpoint("04:00.0")),
                        groups("00:01.0", "01:00.0", "02:00.0 03:00.0", "02:01.0", "04:00.0"),
                        "03:00.0",
                        "switch downstream port 02:00.0 has no ACS path to the root (no ACS capability)"),
                new Case(
                        "a non-ACS root port above a switch groups the whole switch",
                        List.of(
                                function("00:01.0", GENERIC, 1)
                                        .express(PciePortType.ROOT_PORT)
                                        .bridge(1, 4)
                                        .build(),
                                switchUpstream,
                                function("02:00.0", GENERIC, 0x0401)
                                        .express(PciePortType.SWITCH_DOWNSTREAM_PORT)
                                        .acs(AcsCapability.isolating())
                                        .bridge(3, 3)
                                        .build(),
                                pcieEndpoint("03:00.0")),
                        groups("00:01.0 01:00.0 02:00.0 03:00.0"),
                        "03:00.0",
                        "switch downstream port 02:00.0 has no ACS path to the root (00:01.0: no ACS capability)"),
                new Case(
                        "behind a PCIe-to-PCI bridge everything shares the bridge's group",
                        List.of(
                                rootPortWithAcs("00:1c.0", 1),
                                function("01:00.0", GENERIC, 0x0500)
                                        .express(PciePortType.PCIE_TO_PCI_BRIDGE)
                                        .bridge(2, 2)
                                        .build(),
                                conventional("02:00.0"),
                                conventional("02:03.0")),
                        groups("00:1c.0", "01:00.0 02:00.0 02:03.0"),
                        "02:03.0",
                        "behind PCIe-to-PCI bridge 01:00.0 (its requests appear as 02:00.0)"),
                new Case(
                        "behind a conventional PCI bridge requests carry the bridge's own ID",
                        List.of(
                                function("00:1e.0", INTEL, 0x244e).bridge(5, 5).build(),
                                conventional("05:00.0"),
                                conventional("05:01.0")),
                        groups("00:1e.0 05:00.0 05:01.0"),
                        "05:01.0",
                        "behind PCI-to-PCI bridge 00:1e.0 (its requests appear as 00:1e.0)"),
                new Case(
                        "PCIe bridge alias quirk: a conventional-looking bridge below a PCIe port tags the secondary bus",
                        List.of(
                                rootPortWithAcs("00:1c.0", 1),
                                function("01:00.0", 0x1b21, 0x1080).bridge(2, 2).build(),
                                conventional("02:00.0")),
                        groups("00:1c.0", "01:00.0 02:00.0"),
                        "02:00.0",
                        "behind PCI-to-PCI bridge 01:00.0 (its requests appear as 02:00.0, PCIe bridge alias quirk)"),
                new Case(
                        "a PCI-to-PCIe bridge aliases with its own ID",
                        List.of(
                                function("00:1e.0", GENERIC, 0x0600)
                                        .express(PciePortType.PCI_TO_PCIE_BRIDGE)
                                        .bridge(1, 1)
                                        .build(),
                                pcieEndpoint("01:00.0")),
                        groups("00:1e.0 01:00.0"),
                        "01:00.0",
                        "behind PCI-to-PCIe bridge 00:1e.0 (its requests appear as 00:1e.0)"),
                new Case(
                        "multifunction endpoint without ACS: the functions share a group",
                        List.of(
                                rootPortWithAcs("00:1c.0", 1),
                                function("01:00.0", GENERIC, 2)
                                        .express(PciePortType.ENDPOINT)
                                        .multifunction()
                                        .build(),
                                function("01:00.1", GENERIC, 2)
                                        .express(PciePortType.ENDPOINT)
                                        .build()),
                        groups("00:1c.0", "01:00.0 01:00.1"),
                        "01:00.1",
                        "multifunction slot 01:00 without ACS (with 01:00.0)"),
                new Case(
                        "multifunction endpoint with ACS: each function alone",
                        List.of(
                                rootPortWithAcs("00:1c.0", 1),
                                function("01:00.0", GENERIC, 2)
                                        .express(PciePortType.ENDPOINT)
                                        .multifunction()
                                        .acs(AcsCapability.isolating())
                                        .build(),
                                function("01:00.1", GENERIC, 2)
                                        .express(PciePortType.ENDPOINT)
                                        .acs(AcsCapability.isolating())
                                        .build()),
                        groups("00:1c.0", "01:00.0", "01:00.1"),
                        "01:00.1",
                        "allocated group 2"),
                new Case(
                        "a function with ACS does not take in a same-slot function without it",
                        List.of(
                                rootPortWithAcs("00:1c.0", 1),
                                function("01:00.0", GENERIC, 2)
                                        .express(PciePortType.ENDPOINT)
                                        .multifunction()
                                        .acs(AcsCapability.isolating())
                                        .build(),
                                function("01:00.1", GENERIC, 2)
                                        .express(PciePortType.ENDPOINT)
                                        .build()),
                        groups("00:1c.0", "01:00.0", "01:00.1"),
                        "01:00.1",
                        "allocated group 2"),
                new Case(
                        "Intel root-complex integrated endpoints count as isolated",
                        List.of(
                                function("00:14.0", INTEL, 0x7ae0)
                                        .express(PciePortType.RC_INTEGRATED_ENDPOINT)
                                        .multifunction()
                                        .build(),
                                function("00:14.2", INTEL, 0x7aa7)
                                        .express(PciePortType.RC_INTEGRATED_ENDPOINT)
                                        .build()),
                        groups("00:14.0", "00:14.2"),
                        "00:14.2",
                        "00:14.2 counts as isolated: device-specific ACS quirk Intel RCiEP"),
                new Case(
                        "other vendors' integrated endpoints without ACS share their slot",
                        List.of(
                                function("00:14.0", GENERIC, 7)
                                        .express(PciePortType.RC_INTEGRATED_ENDPOINT)
                                        .multifunction()
                                        .build(),
                                function("00:14.2", GENERIC, 7)
                                        .express(PciePortType.RC_INTEGRATED_ENDPOINT)
                                        .build()),
                        groups("00:14.0 00:14.2"),
                        "00:14.2",
                        "multifunction slot 00:14 without ACS (with 00:14.0)"),
                new Case(
                        "vendor-verified multifunction NIC without ACS: functions alone",
                        List.of(
                                rootPortWithAcs("00:1c.0", 1),
                                function("01:00.0", INTEL, 0x10c9)
                                        .express(PciePortType.ENDPOINT)
                                        .multifunction()
                                        .build(),
                                function("01:00.1", INTEL, 0x10c9)
                                        .express(PciePortType.ENDPOINT)
                                        .build()),
                        groups("00:1c.0", "01:00.0", "01:00.1"),
                        "01:00.1",
                        "device-specific ACS quirk Intel NIC multifunction endpoint without peer-to-peer"),
                new Case(
                        "a downstream port right below a root port acts as the upstream port it must be",
                        List.of(
                                rootPortWithAcs("00:02.0", 1),
                                function("01:00.0", GENERIC, 0x0401)
                                        .express(PciePortType.SWITCH_DOWNSTREAM_PORT)
                                        .bridge(2, 3)
                                        .build(),
                                function("02:00.0", GENERIC, 0x0401)
                                        .express(PciePortType.SWITCH_DOWNSTREAM_PORT)
                                        .bridge(3, 3)
                                        .build(),
                                pcieEndpoint("03:00.0")),
                        groups("00:02.0", "01:00.0", "02:00.0 03:00.0"),
                        "02:00.0",
                        "allocated group 2"),
                new Case(
                        "an upstream port below an upstream port acts as a downstream port, which needs ACS",
                        List.of(
                                rootPortWithAcs("00:02.0", 1),
                                function("01:00.0", GENERIC, 0x0400)
                                        .express(PciePortType.SWITCH_UPSTREAM_PORT)
                                        .bridge(2, 3)
                                        .build(),
                                function("02:00.0", GENERIC, 0x0400)
                                        .express(PciePortType.SWITCH_UPSTREAM_PORT)
                                        .bridge(3, 3)
                                        .build(),
                                pcieEndpoint("03:00.0")),
                        groups("00:02.0", "01:00.0", "02:00.0 03:00.0"),
                        "03:00.0",
                        "02:00.0"),
                new Case(
                        "separate root buses and segments stay apart",
                        List.of(
                                conventional("0000:00:00.0"),
                                conventional("0000:80:00.0"),
                                conventional("0001:00:00.0")),
                        groups("00:00.0", "80:00.0", "0001:00:00.0"),
                        "0001:00:00.0",
                        "allocated group 2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void groupsAndExplains(Case c) {
        var result = GroupDerivation.derive(PciTopology.of(c.functions()));
        assertEquals(c.expected(), shortNames(result), result.explain());
        var reasons = result.member(PciAddress.parse(c.device())).orElseThrow().reasonTexts();
        assertTrue(
                reasons.stream().anyMatch(r -> r.contains(c.reason())),
                () -> "reasons of " + c.device() + " were " + reasons);
    }
}
