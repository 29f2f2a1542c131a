package dev.custody.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Step 1 of pci_device_group, after pci_for_each_dma_alias: the function itself, then
 * every upstream bridge that takes over the requester ID of what is below it. PCIe root and switch
 * ports forward IDs untouched; a PCIe-to-PCI bridge tags requests with its secondary bus and devfn
 * 00.0; a conventional bridge or a PCI-to-PCIe bridge with its own ID. The walk ends below a bridge
 * the IOMMU translates at ({@link TranslationRootBridges}).
 *
 * <p>The function's own quirk aliases are also visited by the kernel here, but on the function
 * itself, which has no group yet; they matter only in step 3, so they are not listed.
 */
final class AliasWalk {

    /** One device the walk visits, the requester ID it reports, and why (empty for the start). */
    record Visit(PciFunction device, PciAddress requesterId, Optional<JoinReason> reason) {}

    private AliasWalk() {}

    static List<Visit> from(PciTopology topology, PciFunction start) {
        var visits = new ArrayList<Visit>();
        visits.add(new Visit(start, start.address(), Optional.empty()));
        var bus = start.address().busAddress();
        for (var bridge = topology.upstreamBridge(bus);
                bridge.isPresent();
                bridge = topology.upstreamBridge(bridge.get().address().busAddress())) {
            if (TranslationRootBridges.isTranslationRoot(bridge.get())) break;
            aliasingVisit(topology, bridge.get()).ifPresent(visits::add);
        }
        return List.copyOf(visits);
    }

    private static Optional<Visit> aliasingVisit(PciTopology topology, PciFunction bridge) {
        var address = bridge.address();
        var secondaryDevfn0 = new PciAddress(
                address.segment(), bridge.bridgeBuses().orElseThrow().secondary(), 0, 0);
        if (bridge.expressType().isPresent()) {
            return switch (bridge.expressType().get()) {
                case PCIE_TO_PCI_BRIDGE -> Optional.of(visit(bridge, secondaryDevfn0, false));
                case PCI_TO_PCIE_BRIDGE -> Optional.of(visit(bridge, address, false));
                default -> Optional.empty();
            };
        }
        boolean quirk = PcieBridgeAliasQuirk.applies(topology, bridge);
        return Optional.of(visit(bridge, quirk ? secondaryDevfn0 : address, quirk));
    }

    private static Visit visit(PciFunction bridge, PciAddress requesterId, boolean quirk) {
        var reason = new JoinReason.BehindAliasingBridge(bridge.address(), bridge.kind(), requesterId, quirk);
        return new Visit(bridge, requesterId, Optional.of(reason));
    }
}
