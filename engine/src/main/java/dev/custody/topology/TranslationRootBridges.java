package dev.custody.topology;

import java.util.Set;

/**
 * Bridges where the IOMMU sees requests, though they are not on the root bus
 * (quirk_bridge_cavm_thrx2_pcie_root: Broadcom Vulcan / Cavium ThunderX2). The kernel flags them
 * PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT, and pci_for_each_dma_alias stops climbing when it reaches one:
 * neither it nor anything above it can take over the requester ID of what is below.
 */
final class TranslationRootBridges {

    static final Set<PciIds> DEVICES = Set.of(new PciIds(0x14e4, 0x9000), new PciIds(0x14e4, 0x9084));

    private TranslationRootBridges() {}

    static boolean isTranslationRoot(PciFunction bridge) {
        return DEVICES.contains(bridge.ids());
    }
}
