package dev.custody.topology;

import static dev.custody.topology.PciFunctionBuilder.function;

import java.util.List;

/**
 * A QEMU q35 guest with real vendor/device ids: the MCH host bridge, two pcie-root-ports (which
 * carry ACS), a multifunction slot of a virtio-net and an nvme, a pcie-pci-bridge with two
 * conventional NICs behind it, and the ICH9 functions. Devices QEMU puts straight on the root bus
 * without a PCIe capability (MCH, virtio, ICH9) are conventional PCI; an nvme there becomes a
 * root-complex integrated endpoint.
 */
public final class Q35Layout {

    static final int INTEL = 0x8086;
    static final int REDHAT = 0x1b36;
    static final int VIRTIO = 0x1af4;

    /** What QEMU's root port advertises (SV TB RR CR UF) and what Linux enables (SV RR CR UF). */
    static final AcsCapability ROOT_PORT_ACS = new AcsCapability(
            java.util.Set.of(AcsFlag.SV, AcsFlag.TB, AcsFlag.RR, AcsFlag.CR, AcsFlag.UF),
            AcsFlag.REQUIRED_FOR_ISOLATION);

    private Q35Layout() {}

    public static List<PciFunction> functions() {
        return List.of(
                function("0000:00:00.0", INTEL, 0x29c0).classCode(0x060000).build(),
                function("0000:00:02.0", REDHAT, 0x000c)
                        .express(PciePortType.ROOT_PORT)
                        .acs(ROOT_PORT_ACS)
                        .bridge(1, 1)
                        .build(),
                function("0000:01:00.0", REDHAT, 0x0010)
                        .classCode(0x010802)
                        .express(PciePortType.ENDPOINT)
                        .build(),
                function("0000:00:03.0", VIRTIO, 0x1000)
                        .classCode(0x020000)
                        .multifunction()
                        .build(),
                function("0000:00:03.1", REDHAT, 0x0010)
                        .classCode(0x010802)
                        .express(PciePortType.RC_INTEGRATED_ENDPOINT)
                        .build(),
                function("0000:00:04.0", REDHAT, 0x000e)
                        .express(PciePortType.PCIE_TO_PCI_BRIDGE)
                        .bridge(2, 2)
                        .build(),
                function("0000:02:01.0", INTEL, 0x100e).classCode(0x020000).build(),
                function("0000:02:02.0", VIRTIO, 0x1000).classCode(0x020000).build(),
                function("0000:00:05.0", REDHAT, 0x000c)
                        .express(PciePortType.ROOT_PORT)
                        .acs(ROOT_PORT_ACS)
                        .bridge(3, 3)
                        .build(),
                function("0000:03:00.0", INTEL, 0x10d3)
                        .classCode(0x020000)
                        .express(PciePortType.ENDPOINT)
                        .build(),
                function("0000:00:1f.0", INTEL, 0x2918)
                        .classCode(0x060100)
                        .multifunction()
                        .build(),
                function("0000:00:1f.2", INTEL, 0x2922)
                        .classCode(0x010601)
                        .multifunction()
                        .build(),
                function("0000:00:1f.3", INTEL, 0x2930)
                        .classCode(0x0c0500)
                        .multifunction()
                        .build());
    }

    public static PciTopology topology() {
        return PciTopology.of(functions());
    }
}
