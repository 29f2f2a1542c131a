package dev.custody.topology;

import static dev.custody.topology.GroupAssertions.groups;
import static dev.custody.topology.GroupAssertions.shortNames;
import static dev.custody.topology.Parts.GENERIC;
import static dev.custody.topology.Parts.rootPortWithAcs;
import static dev.custody.topology.PciFunctionBuilder.function;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DMA alias quirks (kernel quirks.c). Every function here has ACS enabled, so only the alias can put two
 * functions in one group.
 */
class DmaAliasQuirkTest {

    private static PciFunction isolatedEndpoint(String address, int vendor, int device) {
        return function(address, vendor, device)
                .express(PciePortType.ENDPOINT)
                .multifunction()
                .acs(AcsCapability.isolating())
                .build();
    }

    static Stream<Arguments> aliasingPairs() {
        return Stream.of(
                // quirk_dma_func0_alias: the function other than 0 aliases function 0
                Arguments.of(
                        "Ricoh e832 function 3 aliases function 0",
                        0x1180,
                        0xe832,
                        "05:00.3",
                        "05:00.0",
                        "DMA alias quirk Ricoh function 0: 05:00.3 issues DMA as 05:00.0"),
                Arguments.of(
                        "Ricoh e476 function 1 aliases function 0",
                        0x1180,
                        0xe476,
                        "05:00.1",
                        "05:00.0",
                        "DMA alias quirk Ricoh function 0: 05:00.1 issues DMA as 05:00.0"),
                Arguments.of(
                        "Glenfly 3d40 function 1 aliases function 0",
                        0x6766,
                        0x3d40,
                        "05:00.1",
                        "05:00.0",
                        "DMA alias quirk Glenfly function 0: 05:00.1 issues DMA as 05:00.0"),
                Arguments.of(
                        "Glenfly 3d41 function 1 aliases function 0",
                        0x6766,
                        0x3d41,
                        "05:00.1",
                        "05:00.0",
                        "DMA alias quirk Glenfly function 0: 05:00.1 issues DMA as 05:00.0"),
                // quirk_dma_func1_alias: function 0 aliases function 1
                Arguments.of(
                        "Marvell 9220",
                        0x1b4b,
                        0x9220,
                        "05:00.0",
                        "05:00.1",
                        "DMA alias quirk Marvell 88SE9xxx function 1: 05:00.0 issues DMA as 05:00.1"),
                Arguments.of(
                        "Marvell 9230",
                        0x1b4b,
                        0x9230,
                        "05:00.0",
                        "05:00.1",
                        "DMA alias quirk Marvell 88SE9xxx function 1: 05:00.0 issues DMA as 05:00.1"),
                Arguments.of(
                        "Marvell 9235",
                        0x1b4b,
                        0x9235,
                        "05:00.0",
                        "05:00.1",
                        "DMA alias quirk Marvell 88SE9xxx function 1: 05:00.0 issues DMA as 05:00.1"),
                Arguments.of(
                        "TTI 0642",
                        0x1103,
                        0x0642,
                        "05:00.0",
                        "05:00.1",
                        "DMA alias quirk TTI function 1: 05:00.0 issues DMA as 05:00.1"),
                Arguments.of(
                        "TTI 0645",
                        0x1103,
                        0x0645,
                        "05:00.0",
                        "05:00.1",
                        "DMA alias quirk TTI function 1: 05:00.0 issues DMA as 05:00.1"),
                Arguments.of(
                        "JMicron JMB388 ESD",
                        0x197b,
                        0x2392,
                        "05:00.0",
                        "05:00.1",
                        "DMA alias quirk JMicron JMB388 ESD function 1: 05:00.0 issues DMA as 05:00.1"),
                Arguments.of(
                        "Lite-On Plextor M6E",
                        0x1c28,
                        0x0122,
                        "05:00.0",
                        "05:00.1",
                        "DMA alias quirk Plextor M6E function 1: 05:00.0 issues DMA as 05:00.1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("aliasingPairs")
    void aliasingFunctionsShareAGroup(
            String name, int vendor, int device, String aliasing, String aliased, String reason) {
        var topology = PciTopology.of(List.of(
                rootPortWithAcs("00:1c.0", 5),
                isolatedEndpoint(aliasing, vendor, device),
                isolatedEndpoint(aliased, vendor, device)));
        var result = GroupDerivation.derive(topology);
        boolean aliasingFirst = PciAddress.parse(aliasing).compareTo(PciAddress.parse(aliased)) < 0;
        var probedFirst = aliasingFirst ? aliasing : aliased;
        var probedSecond = aliasingFirst ? aliased : aliasing;
        assertEquals(groups("00:1c.0", probedFirst + " " + probedSecond), shortNames(result), result.explain());
        // The second one probed is the one that joins, and it names the quirk.
        assertTrue(
                result.member(PciAddress.parse(probedSecond))
                        .orElseThrow()
                        .reasonTexts()
                        .contains(reason),
                result.explain());
    }

    @Test
    void theSameIdsWithoutTheQuirkStayApart() {
        var topology = PciTopology.of(List.of(
                rootPortWithAcs("00:1c.0", 5),
                isolatedEndpoint("05:00.0", 0x1180, 0xe822),
                isolatedEndpoint("05:00.3", 0x1180, 0xe822)));
        assertEquals(groups("00:1c.0", "05:00.0", "05:00.3"), shortNames(GroupDerivation.derive(topology)));
    }

    @Test
    void marvellWithoutARealFunctionOneIsAlone() {
        // The alias names a phantom function: nothing to join.
        var topology = PciTopology.of(List.of(
                rootPortWithAcs("00:1c.0", 5),
                function("05:00.0", 0x1b4b, 0x9230)
                        .express(PciePortType.ENDPOINT)
                        .build()));
        assertEquals(groups("00:1c.0", "05:00.0"), shortNames(GroupDerivation.derive(topology)));
    }

    static Stream<Arguments> adaptecSubsystems() {
        return Stream.of(
                Arguments.of(0x02bb, groups("00:01.0 00:0a.0")),
                Arguments.of(0x02bc, groups("00:01.0 00:0a.0")),
                Arguments.of(0x0001, groups("00:01.0", "00:0a.0")));
    }

    @ParameterizedTest(name = "subsystem 9005:{0}")
    @MethodSource("adaptecSubsystems")
    void adaptecAliasesFixedDevfnOnlyForItsSubsystems(int subsystemDevice, List<List<String>> expected) {
        var topology = PciTopology.of(List.of(
                function("00:01.0", GENERIC, 0x0300).build(),
                function("00:0a.0", 0x9005, 0x0285)
                        .subsystem(0x9005, subsystemDevice)
                        .build()));
        var result = GroupDerivation.derive(topology);
        assertEquals(expected, shortNames(result), result.explain());
    }

    /** quirk_pex_vca_alias: functions 0-4 of every slot on the bus, and nothing else. */
    @Test
    void intelVcaAliasesTheFirstFiveFunctionsOfEverySlot() {
        var topology = PciTopology.of(List.of(
                rootPortWithAcs("00:1c.0", 5),
                isolatedEndpoint("05:00.0", 0x8086, 0x2954),
                isolatedEndpoint("05:03.4", GENERIC, 0x0200),
                isolatedEndpoint("05:03.5", GENERIC, 0x0200),
                isolatedEndpoint("05:1f.0", GENERIC, 0x0200)));
        var result = GroupDerivation.derive(topology);
        assertEquals(groups("00:1c.0", "05:00.0 05:03.4 05:1f.0", "05:03.5"), shortNames(result), result.explain());
        assertTrue(
                result.member(PciAddress.parse("05:1f.0"))
                        .orElseThrow()
                        .reasonTexts()
                        .contains("DMA alias quirk Intel VCA fixed aliases: 05:00.0 issues DMA as 05:1f.0"),
                result.explain());
    }

    /** quirk_plx_ntb_dma_alias: every devfn of the NTB's bus, but no other bus. */
    @Test
    void plxNtbAliasesEveryDevfnOfItsBus() {
        var topology = PciTopology.of(List.of(
                rootPortWithAcs("00:1c.0", 5),
                rootPortWithAcs("00:1d.0", 6),
                isolatedEndpoint("05:00.0", 0x10b5, 0x87b0),
                isolatedEndpoint("05:1f.7", GENERIC, 0x0200),
                isolatedEndpoint("06:00.0", GENERIC, 0x0200)));
        var result = GroupDerivation.derive(topology);
        assertEquals(groups("00:1c.0", "00:1d.0", "05:00.0 05:1f.7", "06:00.0"), shortNames(result), result.explain());
    }

    @Test
    void plxNtbWithTheOtherDeviceIdAliasesToo() {
        var topology = PciTopology.of(List.of(
                rootPortWithAcs("00:1c.0", 5),
                isolatedEndpoint("05:00.1", 0x10b5, 0x87b1),
                isolatedEndpoint("05:02.0", GENERIC, 0x0200)));
        var result = GroupDerivation.derive(topology);
        assertEquals(groups("00:1c.0", "05:00.1 05:02.0"), shortNames(result), result.explain());
    }

    /**
     * quirk_bridge_cavm_thrx2_pcie_root: the DMA alias walk stops at a translation-root bridge, so a conventional
     * bridge above it no longer takes over the requester ID of what is below. Here the ACS walk then finds an
     * isolated path (the downstream port's ACS, the AMD southbridge bridge's quirk), and the endpoint stands alone.
     */
    @Test
    void aliasWalkStopsAtATranslationRootBridge() {
        assertEquals(
                groups("00:14.0 01:00.0", "02:00.0"),
                shortNames(GroupDerivation.derive(belowSouthbridgeBridge(0x14e4, 0x9084))));
        assertEquals(
                groups("00:14.0 01:00.0 02:00.0"),
                shortNames(GroupDerivation.derive(belowSouthbridgeBridge(GENERIC, 0x0500))));
    }

    private static PciTopology belowSouthbridgeBridge(int portVendor, int portDevice) {
        return PciTopology.of(List.of(
                function("00:14.0", 0x1002, 0x4384).multifunction().bridge(1, 2).build(),
                function("01:00.0", portVendor, portDevice)
                        .express(PciePortType.SWITCH_DOWNSTREAM_PORT)
                        .acs(AcsCapability.isolating())
                        .bridge(2, 2)
                        .build(),
                function("02:00.0", GENERIC, 0x0200)
                        .express(PciePortType.ENDPOINT)
                        .build()));
    }

    @Test
    void anAliasedDeviceProbedLaterJoinsTheAliasingOne() {
        // 00:01.0 is probed first and allocates; the Adaptec board at 00:0a.0 finds it through its alias.
        var topology = PciTopology.of(List.of(
                function("00:01.0", GENERIC, 0x0300).build(),
                function("00:0a.0", 0x9005, 0x0285).subsystem(0x9005, 0x02bb).build()));
        var reasons = GroupDerivation.derive(topology)
                .member(PciAddress.parse("00:0a.0"))
                .orElseThrow()
                .reasonTexts();
        assertEquals(List.of("DMA alias quirk Adaptec fixed alias 01.0: 00:0a.0 issues DMA as 00:01.0"), reasons);
    }
}
