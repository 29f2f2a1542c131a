package dev.custody.topology;

import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's pci_acs_enabled and pci_acs_path_enabled for the flags group formation requires
 * (SV|RR|CR|UF, REQ_ACS_FLAGS), plus the policy's per-device override.
 */
public final class AcsCheck {

    private final PciTopology topology;
    private final GroupingPolicy policy;

    public AcsCheck(PciTopology topology, GroupingPolicy policy) {
        this.topology = topology;
        this.policy = policy;
    }

    public AcsVerdict verdict(PciFunction f) {
        var address = f.address();
        if (policy.acsOverride().contains(address)) {
            return new AcsVerdict(address, true, "ACS override", AcsVerdict.Source.OVERRIDE, true);
        }
        var opinion = AcsQuirks.opinionOn(f, topology);
        if (opinion.isPresent()) {
            return new AcsVerdict(
                    address,
                    opinion.get().isolated(),
                    "device-specific ACS quirk " + opinion.get().quirk().name()
                            + (opinion.get().isolated() ? "" : ", which denies isolation"),
                    AcsVerdict.Source.DEVICE_QUIRK,
                    false);
        }
        if (f.expressType().isEmpty()) {
            // A shared conventional bus lets any device see any other's DMA.
            return new AcsVerdict(address, false, "conventional PCI has no ACS", AcsVerdict.Source.NEVER, false);
        }
        return switch (f.expressType().get()) {
            case PCI_TO_PCIE_BRIDGE, PCIE_TO_PCI_BRIDGE, RC_EVENT_COLLECTOR ->
                new AcsVerdict(
                        address,
                        false,
                        "ACS never applies to a " + f.expressType().get().description(),
                        AcsVerdict.Source.NEVER,
                        false);
            case ROOT_PORT, SWITCH_DOWNSTREAM_PORT -> byCapability(f);
            case ENDPOINT, SWITCH_UPSTREAM_PORT, LEGACY_ENDPOINT, RC_INTEGRATED_ENDPOINT ->
                f.isMultifunction()
                        ? byCapability(f)
                        : new AcsVerdict(
                                address,
                                true,
                                "single-function " + f.expressType().get().description() + " needs no ACS",
                                AcsVerdict.Source.NOT_APPLICABLE,
                                false);
        };
    }

    public boolean isIsolated(PciFunction f) {
        return verdict(f).isolated();
    }

    /**
     * Every function from {@code start} up to the root bus must be isolated; the verdicts visited
     * are returned (the last is the failing one when the path is not isolated).
     */
    public List<AcsVerdict> pathToRoot(PciFunction start) {
        var visited = new ArrayList<AcsVerdict>();
        var current = start;
        while (true) {
            var verdict = verdict(current);
            visited.add(verdict);
            if (!verdict.isolated()) return List.copyOf(visited);
            var bus = current.address().busAddress();
            var parent = topology.upstreamBridge(bus);
            if (parent.isEmpty()) return List.copyOf(visited);
            current = parent.get();
        }
    }

    public static boolean allIsolated(List<AcsVerdict> path) {
        return path.stream().allMatch(AcsVerdict::isolated);
    }

    private static AcsVerdict byCapability(PciFunction f) {
        var address = f.address();
        if (f.acs().isEmpty()) {
            return new AcsVerdict(address, false, "no ACS capability", AcsVerdict.Source.CAPABILITY, false);
        }
        var missing = f.acs().get().missing(AcsFlag.REQUIRED_FOR_ISOLATION);
        return missing.isEmpty()
                ? new AcsVerdict(address, true, "ACS SV|RR|CR|UF enabled", AcsVerdict.Source.CAPABILITY, false)
                : new AcsVerdict(
                        address,
                        false,
                        "ACS " + missing.stream().sorted().map(Enum::name).toList() + " not enabled",
                        AcsVerdict.Source.CAPABILITY,
                        false);
    }
}
