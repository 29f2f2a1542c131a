package dev.custody.topology;

import java.util.List;

/**
 * quirk_use_pcie_bridge_dma_alias: PCIe-to-PCI bridges that lack a PCIe capability and so
 * look conventional. Below a PCIe port they tag downstream requests with the secondary bus and
 * devfn 00.0, as a PCIe-to-PCI bridge would. Either way the bridge is the alias the walk visits,
 * so grouping is the same; only the requester ID in the explanation differs.
 */
public final class PcieBridgeAliasQuirk {

    static final List<PciIds> DEVICES = List.of(
            new PciIds(0x1b21, 0x1080), // ASMedia ASM1083/1085
            new PciIds(0x10e3, 0x8113), // Tundra Tsi384
            new PciIds(0x1283, 0x8892), // ITE 8892
            new PciIds(0x1283, 0x8893), // ITE 8893
            new PciIds(0x8086, 0x244e)); // Intel 82801 PCI bridge

    private PcieBridgeAliasQuirk() {}

    public static boolean applies(PciTopology topology, PciFunction bridge) {
        if (!DEVICES.contains(bridge.ids()) || !bridge.isBridge() || bridge.isPcie()) return false;
        var parent = topology.upstreamBridge(bridge.address().busAddress());
        return parent.isPresent()
                && parent.get().isPcie()
                && !parent.get().isExpressType(PciePortType.PCIE_TO_PCI_BRIDGE);
    }
}
