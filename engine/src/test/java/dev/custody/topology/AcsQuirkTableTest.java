package dev.custody.topology;

import static dev.custody.topology.GroupAssertions.groups;
import static dev.custody.topology.GroupAssertions.shortNames;
import static dev.custody.topology.Parts.GENERIC;
import static dev.custody.topology.Parts.rootPortWithAcs;
import static dev.custody.topology.PciFunctionBuilder.function;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The device-specific ACS quirks of 6.12.y (pci_dev_acs_enabled in quirks.c), each seen through the groups it
 * makes: a port the quirk vouches for keeps what is below it apart, an endpoint the quirk vouches for keeps its
 * functions apart, and a quirk that denies isolation pulls them together whatever the ACS capability says.
 */
class AcsQuirkTableTest {

    record Case(String name, List<PciFunction> functions, List<List<String>> expected, String device, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A root port without an ACS capability at 00:1c.0, an endpoint below it. */
    private static List<PciFunction> belowPort(int vendor, int device, PciePortType type) {
        return List.of(
                function("00:1c.0", vendor, device).express(type).bridge(1, 1).build(),
                function("01:00.0", GENERIC, 0x0200)
                        .express(PciePortType.ENDPOINT)
                        .build());
    }

    private static Case portIsolates(String name, int vendor, int device, String quirk) {
        return new Case(
                name,
                belowPort(vendor, device, PciePortType.ROOT_PORT),
                groups("00:1c.0", "01:00.0"),
                "01:00.0",
                "00:1c.0 counts as isolated: device-specific ACS quirk " + quirk);
    }

    private static Case portDoesNotIsolate(String name, List<PciFunction> functions, String grounds) {
        return new Case(name, functions, groups("00:1c.0 01:00.0"), "01:00.0", grounds);
    }

    /** Two functions of one endpoint, without ACS, below a root port with ACS. */
    private static List<PciFunction> endpointFunctions(int vendor, int device, PciePortType type) {
        return List.of(
                rootPortWithAcs("00:1c.0", 5),
                function("05:00.0", vendor, device)
                        .express(type)
                        .multifunction()
                        .build(),
                function("05:00.1", vendor, device)
                        .express(type)
                        .multifunction()
                        .build());
    }

    private static Case functionsApart(String name, int vendor, int device, String quirk) {
        return new Case(
                name,
                endpointFunctions(vendor, device, PciePortType.ENDPOINT),
                groups("00:1c.0", "05:00.0", "05:00.1"),
                "05:00.1",
                "05:00.1 counts as isolated: device-specific ACS quirk " + quirk);
    }

    static Stream<Case> quirks() {
        return Stream.of(
                // pci_quirk_amd_sb_acs
                new Case(
                        "AMD/ATI southbridge functions on the root bus are apart",
                        List.of(
                                function("00:14.0", 0x1002, 0x4385)
                                        .multifunction()
                                        .build(),
                                function("00:14.1", 0x1002, 0x439c)
                                        .multifunction()
                                        .build(),
                                function("00:14.2", 0x1002, 0x4383)
                                        .multifunction()
                                        .build()),
                        groups("00:14.0", "00:14.1", "00:14.2"),
                        "00:14.2",
                        "device-specific ACS quirk AMD southbridge multifunction device"),
                new Case(
                        "AMD FCH functions on the root bus are apart",
                        List.of(
                                function("00:14.0", 0x1022, 0x7809)
                                        .multifunction()
                                        .build(),
                                function("00:14.4", 0x1022, 0x780f)
                                        .multifunction()
                                        .bridge(1, 1)
                                        .build()),
                        groups("00:14.0", "00:14.4"),
                        "00:14.4",
                        "device-specific ACS quirk AMD southbridge multifunction device"),
                new Case(
                        "AMD southbridge ids off the root bus get no quirk",
                        List.of(
                                rootPortWithAcs("00:1c.0", 5),
                                function("05:00.0", 0x1002, 0x4385)
                                        .multifunction()
                                        .build(),
                                function("05:00.1", 0x1002, 0x4385)
                                        .multifunction()
                                        .build()),
                        groups("00:1c.0", "05:00.0 05:00.1"),
                        "05:00.1",
                        "multifunction slot 05:00 without ACS"),
                // pci_quirk_mf_endpoint_acs
                functionsApart(
                        "Solarflare SFC9120", 0x1924, 0x0923, "Solarflare multifunction endpoint without peer-to-peer"),
                functionsApart("Intel 82598", 0x8086, 0x10c6, "Intel NIC multifunction endpoint without peer-to-peer"),
                functionsApart("Intel I219", 0x8086, 0x15b8, "Intel NIC multifunction endpoint without peer-to-peer"),
                functionsApart("Emulex BE3-R", 0x19a2, 0x0710, "Emulex multifunction endpoint without peer-to-peer"),
                functionsApart(
                        "Emulex Skyhawk-R", 0x10df, 0x0720, "Emulex multifunction endpoint without peer-to-peer"),
                functionsApart("Cavium a059", 0x177d, 0xa059, "Cavium multifunction endpoint without peer-to-peer"),
                functionsApart("Broadcom 1751", 0x14e4, 0x1751, "Broadcom multifunction endpoint without peer-to-peer"),
                functionsApart("Zhaoxin 9083", 0x1d17, 0x9083, "Zhaoxin multifunction endpoint without peer-to-peer"),
                new Case(
                        "an Intel 82571 quad (not listed) keeps its functions together",
                        endpointFunctions(0x8086, 0x10a4, PciePortType.ENDPOINT),
                        groups("00:1c.0", "05:00.0 05:00.1"),
                        "05:00.1",
                        "multifunction slot 05:00 without ACS"),
                // pci_quirk_rciep_acs
                new Case(
                        "Intel RCiEP functions on the root bus are apart",
                        List.of(
                                function("00:14.0", 0x8086, 0x1234)
                                        .express(PciePortType.RC_INTEGRATED_ENDPOINT)
                                        .multifunction()
                                        .build(),
                                function("00:14.2", 0x8086, 0x1235)
                                        .express(PciePortType.RC_INTEGRATED_ENDPOINT)
                                        .multifunction()
                                        .build()),
                        groups("00:14.0", "00:14.2"),
                        "00:14.2",
                        "device-specific ACS quirk Intel RCiEP"),
                // pci_quirk_qcom_rp_acs
                portIsolates("Qualcomm QDF2xxx 0400", 0x17cb, 0x0400, "Qualcomm/HXT root port"),
                portIsolates("Qualcomm QDF2xxx 0401", 0x17cb, 0x0401, "Qualcomm/HXT root port"),
                portIsolates("Qualcomm SA8775P", 0x17cb, 0x0115, "Qualcomm/HXT root port"),
                portIsolates("HXT SD4800", 0x1dbf, 0x0401, "Qualcomm/HXT root port"),
                portIsolates("Qualcomm Hamoa (6.12.y)", 0x17cb, 0x0111, "Qualcomm/HXT root port"),
                portIsolates("Qualcomm Glymur (6.12.y)", 0x17cb, 0x0120, "Qualcomm/HXT root port"),
                // pci_quirk_intel_pch_acs
                portIsolates("Intel Cougar Point PCH", 0x8086, 0x1c10, "Intel PCH root port"),
                portIsolates("Intel Patsburg PCH", 0x8086, 0x1d1e, "Intel PCH root port"),
                portDoesNotIsolate(
                        "Intel Patsburg odd id (not listed)",
                        belowPort(0x8086, 0x1d11, PciePortType.ROOT_PORT),
                        "root port 00:1c.0 has no ACS path to the root (no ACS capability)"),
                // pci_quirk_intel_spt_pch_acs
                new Case(
                        "Intel Sunrise Point: ACS control read from the dword layout, so isolated",
                        List.of(
                                function("00:1c.0", 0x8086, 0xa110)
                                        .express(PciePortType.ROOT_PORT)
                                        .acs(new AcsCapability(AcsFlag.REQUIRED_FOR_ISOLATION, Set.of()))
                                        .bridge(1, 1)
                                        .build(),
                                function("01:00.0", GENERIC, 0x0200)
                                        .express(PciePortType.ENDPOINT)
                                        .build()),
                        groups("00:1c.0", "01:00.0"),
                        "01:00.0",
                        "device-specific ACS quirk Intel Sunrise Point PCH root port"),
                new Case(
                        "Intel Union Point mobile port 9d1b with an ACS capability",
                        List.of(
                                function("00:1c.0", 0x8086, 0x9d1b)
                                        .express(PciePortType.ROOT_PORT)
                                        .acs(new AcsCapability(Set.of(AcsFlag.SV), Set.of()))
                                        .bridge(1, 1)
                                        .build(),
                                function("01:00.0", GENERIC, 0x0200)
                                        .express(PciePortType.ENDPOINT)
                                        .build()),
                        groups("00:1c.0", "01:00.0"),
                        "01:00.0",
                        "device-specific ACS quirk Intel Sunrise Point PCH root port"),
                portDoesNotIsolate(
                        "Intel Sunrise Point without an ACS capability: no opinion",
                        belowPort(0x8086, 0xa2e7, PciePortType.ROOT_PORT),
                        "root port 00:1c.0 has no ACS path to the root (no ACS capability)"),
                // pci_quirk_cavium_acs
                portIsolates("Cavium ThunderX1 a000", 0x177d, 0xa000, "Cavium ThunderX root port"),
                portIsolates("Cavium ThunderX1 a7ff", 0x177d, 0xa7ff, "Cavium ThunderX root port"),
                portIsolates("Cavium ThunderX2", 0x177d, 0xaf84, "Cavium ThunderX root port"),
                portIsolates("Cavium ThunderX3", 0x177d, 0xb884, "Cavium ThunderX root port"),
                portDoesNotIsolate(
                        "Cavium a800 is outside the ThunderX range",
                        belowPort(0x177d, 0xa800, PciePortType.ROOT_PORT),
                        "root port 00:1c.0 has no ACS path to the root (no ACS capability)"),
                portDoesNotIsolate(
                        "a ThunderX id as a downstream port gets no quirk",
                        belowPort(0x177d, 0xa000, PciePortType.SWITCH_DOWNSTREAM_PORT),
                        "no ACS capability"),
                // pci_quirk_xgene_acs
                portIsolates("APM X-Gene", 0x10e8, 0xe004, "APM X-Gene/Ampere root port"),
                portIsolates("Ampere e005", 0x1def, 0xe005, "APM X-Gene/Ampere root port"),
                portIsolates("Ampere e00c", 0x1def, 0xe00c, "APM X-Gene/Ampere root port"),
                // pci_quirk_brcm_acs
                portIsolates("Broadcom iProc PAXB", 0x14e4, 0xd714, "Broadcom iProc PAXB root port"),
                // pci_quirk_loongson_acs (6.12.y)
                portIsolates("Loongson 3C09", 0x0014, 0x3c09, "Loongson root port"),
                portIsolates("Loongson 7A69", 0x0014, 0x7a69, "Loongson root port"),
                portDoesNotIsolate(
                        "Loongson 7A79 is not listed",
                        belowPort(0x0014, 0x7a79, PciePortType.ROOT_PORT),
                        "root port 00:1c.0 has no ACS path to the root (no ACS capability)"),
                // pci_quirk_al_acs
                portIsolates("Annapurna Labs", 0x1c36, 0x0031, "Amazon Annapurna Labs root port"),
                portDoesNotIsolate(
                        "Annapurna Labs id as a downstream port: no opinion",
                        belowPort(0x1c36, 0x0031, PciePortType.SWITCH_DOWNSTREAM_PORT),
                        "no ACS capability"),
                // pci_quirk_nxp_rp_acs
                portIsolates("NXP LX2160A", 0x1957, 0x8d81, "NXP LX2xx0 root port"),
                portIsolates("NXP LX2082N", 0x1957, 0x8d9b, "NXP LX2xx0 root port"),
                // pci_quirk_zhaoxin_pcie_ports_acs
                portIsolates("Zhaoxin 0710", 0x1d17, 0x0710, "Zhaoxin root or downstream port"),
                portIsolates("Zhaoxin 0752", 0x1d17, 0x0752, "Zhaoxin root or downstream port"),
                new Case(
                        "Zhaoxin downstream port 0721",
                        belowPort(0x1d17, 0x0721, PciePortType.SWITCH_DOWNSTREAM_PORT),
                        groups("00:1c.0", "01:00.0"),
                        "01:00.0",
                        "device-specific ACS quirk Zhaoxin root or downstream port"),
                portDoesNotIsolate(
                        "Zhaoxin 0722 is denied isolation even with a full ACS capability",
                        List.of(
                                function("00:1c.0", 0x1d17, 0x0722)
                                        .express(PciePortType.ROOT_PORT)
                                        .acs(AcsCapability.isolating())
                                        .bridge(1, 1)
                                        .build(),
                                function("01:00.0", GENERIC, 0x0200)
                                        .express(PciePortType.ENDPOINT)
                                        .build()),
                        "device-specific ACS quirk Zhaoxin root or downstream port, which denies isolation"),
                // pci_quirk_wangxun_nic_acs
                functionsApart("Wangxun RP1000", 0x8088, 0x1001, "Wangxun NIC"),
                functionsApart("Wangxun SF200", 0x8088, 0x0103, "Wangxun NIC"),
                functionsApart("Wangxun FF5025 (6.12.y)", 0x8088, 0x5025, "Wangxun NIC"),
                functionsApart("Wangxun FF5140 (6.12.y)", 0x8088, 0x5140, "Wangxun NIC"),
                new Case(
                        "an unlisted Wangxun function is denied isolation even with ACS",
                        List.of(
                                rootPortWithAcs("00:1c.0", 5),
                                function("05:00.0", 0x8088, 0x1002)
                                        .express(PciePortType.ENDPOINT)
                                        .multifunction()
                                        .acs(AcsCapability.isolating())
                                        .build(),
                                function("05:00.1", 0x8088, 0x1002)
                                        .express(PciePortType.ENDPOINT)
                                        .multifunction()
                                        .acs(AcsCapability.isolating())
                                        .build()),
                        groups("00:1c.0", "05:00.0 05:00.1"),
                        "05:00.1",
                        "multifunction slot 05:00 without ACS"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("quirks")
    void groupsAndExplains(Case c) {
        var result = GroupDerivation.derive(PciTopology.of(c.functions()));
        assertEquals(c.expected(), shortNames(result), result.explain());
        var reasons = result.member(PciAddress.parse(c.device())).orElseThrow().reasonTexts();
        assertTrue(
                reasons.stream().anyMatch(r -> r.contains(c.reason())),
                () -> "reasons of " + c.device() + " were " + reasons);
    }
}
