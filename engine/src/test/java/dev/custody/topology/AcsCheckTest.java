package dev.custody.topology;

import static dev.custody.topology.PciFunctionBuilder.function;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** pci_acs_enabled for SV|RR|CR|UF (REQ_ACS_FLAGS), one row per port type and quirk. */
class AcsCheckTest {

    static Stream<Arguments> verdicts() {
        var isolating = AcsCapability.isolating();
        return Stream.of(
                Arguments.of("conventional device", function("00:01.0", 1, 1).build(), false, AcsVerdict.Source.NEVER),
                Arguments.of(
                        "PCIe-to-PCI bridge even with ACS",
                        function("00:01.0", 1, 1)
                                .express(PciePortType.PCIE_TO_PCI_BRIDGE)
                                .acs(isolating)
                                .bridge(1, 1)
                                .build(),
                        false,
                        AcsVerdict.Source.NEVER),
                Arguments.of(
                        "root port with ACS",
                        function("00:01.0", 1, 1)
                                .express(PciePortType.ROOT_PORT)
                                .acs(isolating)
                                .bridge(1, 1)
                                .build(),
                        true,
                        AcsVerdict.Source.CAPABILITY),
                Arguments.of(
                        "downstream port without ACS",
                        function("00:01.0", 1, 1)
                                .express(PciePortType.SWITCH_DOWNSTREAM_PORT)
                                .bridge(1, 1)
                                .build(),
                        false,
                        AcsVerdict.Source.CAPABILITY),
                Arguments.of(
                        "single-function endpoint",
                        function("00:01.0", 1, 1).express(PciePortType.ENDPOINT).build(),
                        true,
                        AcsVerdict.Source.NOT_APPLICABLE),
                Arguments.of(
                        "single-function upstream port",
                        function("00:01.0", 1, 1)
                                .express(PciePortType.SWITCH_UPSTREAM_PORT)
                                .bridge(1, 1)
                                .build(),
                        true,
                        AcsVerdict.Source.NOT_APPLICABLE),
                Arguments.of(
                        "function 1 of an endpoint counts as multifunction",
                        function("00:01.1", 1, 1).express(PciePortType.ENDPOINT).build(),
                        false,
                        AcsVerdict.Source.CAPABILITY),
                Arguments.of(
                        "egress control is needed explicitly only when asked; SV alone missing fails",
                        function("00:01.0", 1, 1)
                                .express(PciePortType.ROOT_PORT)
                                .acs(new AcsCapability(
                                        AcsFlag.REQUIRED_FOR_ISOLATION, Set.of(AcsFlag.RR, AcsFlag.CR, AcsFlag.UF)))
                                .bridge(1, 1)
                                .build(),
                        false,
                        AcsVerdict.Source.CAPABILITY),
                Arguments.of(
                        "Intel PCH root port without ACS capability",
                        function("00:1c.0", 0x8086, 0x1c10)
                                .express(PciePortType.ROOT_PORT)
                                .bridge(1, 1)
                                .build(),
                        true,
                        AcsVerdict.Source.DEVICE_QUIRK),
                Arguments.of(
                        "Intel root port not in the PCH list",
                        function("00:1c.0", 0x8086, 0x1c20)
                                .express(PciePortType.ROOT_PORT)
                                .bridge(1, 1)
                                .build(),
                        false,
                        AcsVerdict.Source.CAPABILITY),
                Arguments.of(
                        "Intel RCiEP, multifunction, no ACS",
                        function("00:14.0", 0x8086, 0x7ae0)
                                .express(PciePortType.RC_INTEGRATED_ENDPOINT)
                                .multifunction()
                                .build(),
                        true,
                        AcsVerdict.Source.DEVICE_QUIRK),
                Arguments.of(
                        "AMD southbridge bridge on the root bus, multifunction",
                        function("00:14.0", 0x1022, 0x780f)
                                .multifunction()
                                .bridge(1, 1)
                                .build(),
                        true,
                        AcsVerdict.Source.DEVICE_QUIRK),
                Arguments.of(
                        "AMD southbridge bridge on the root bus, single function: the quirk does not ask",
                        function("00:14.0", 0x1022, 0x780f).bridge(1, 1).build(),
                        false,
                        AcsVerdict.Source.NEVER),
                Arguments.of(
                        "Qualcomm root port ids vouch whatever the type",
                        function("00:00.0", 0x17cb, 0x0400)
                                .express(PciePortType.ENDPOINT)
                                .multifunction()
                                .build(),
                        true,
                        AcsVerdict.Source.DEVICE_QUIRK),
                Arguments.of(
                        "Wangxun conventional device outside the NIC list is denied",
                        function("00:01.0", 0x8088, 0x0001).multifunction().build(),
                        false,
                        AcsVerdict.Source.DEVICE_QUIRK),
                Arguments.of(
                        "Intel conventional function on the root bus: not an RCiEP",
                        function("00:1f.0", 0x8086, 0x2918).multifunction().build(),
                        false,
                        AcsVerdict.Source.NEVER));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("verdicts")
    void verdict(String name, PciFunction f, boolean isolated, AcsVerdict.Source source) {
        var verdict = new AcsCheck(PciTopology.of(List.of(f)), GroupingPolicy.KERNEL).verdict(f);
        assertEquals(isolated, verdict.isolated(), verdict.grounds());
        assertEquals(source, verdict.source());
    }
}
