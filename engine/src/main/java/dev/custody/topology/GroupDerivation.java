package dev.custody.topology;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Derives IOMMU groups the way pci_device_group does, one function at a time in the
 * kernel's probe order, because a function can only join groups that exist when it is probed.
 */
public final class GroupDerivation {

    private final PciTopology topology;
    private final GroupingPolicy policy;
    private final AcsCheck acs;
    private final List<PciFunction> order;
    private final Map<PciAddress, Integer> groupOf = new HashMap<>();
    private final List<List<GroupMember>> groups = new ArrayList<>();

    private GroupDerivation(PciTopology topology, GroupingPolicy policy) {
        this.topology = topology;
        this.policy = policy;
        this.acs = new AcsCheck(topology, policy);
        this.order = ProbeOrder.of(topology);
    }

    public static GroupingResult derive(PciTopology topology) {
        return derive(topology, GroupingPolicy.KERNEL);
    }

    public static GroupingResult derive(PciTopology topology, GroupingPolicy policy) {
        var run = new GroupDerivation(topology, policy);
        run.order.forEach(run::place);
        var result = new ArrayList<IommuGroup>();
        for (int i = 0; i < run.groups.size(); i++) result.add(new IommuGroup(i, run.groups.get(i)));
        return new GroupingResult(result);
    }

    /** A group found for a function, and the chain of reasons that leads to it. */
    private record Found(int group, List<JoinReason> chain) {
        Found prefixed(JoinReason reason) {
            var longer = new ArrayList<JoinReason>();
            longer.add(reason);
            longer.addAll(chain);
            return new Found(group, longer);
        }
    }

    private void place(PciFunction function) {
        var reasons = new ArrayList<JoinReason>();

        // Step 1: a device aliased by topology shares the group of whatever it aliases to.
        var pdev = function;
        for (var visit : AliasWalk.from(topology, function)) {
            visit.reason().ifPresent(reasons::add);
            pdev = visit.device();
            if (groupOf.containsKey(pdev.address())) {
                join(function, groupOf.get(pdev.address()), reasons);
                return;
            }
        }

        // Step 2: climb to the first bridge with an ACS-isolated path to the root.
        for (var bus = pdev.address().busAddress(); !topology.isRootBus(bus); ) {
            var bridge = topology.upstreamBridge(bus).orElseThrow();
            var path = acs.pathToRoot(bridge);
            if (AcsCheck.allIsolated(path)) {
                path.forEach(verdict -> noteIsolation(verdict, reasons));
                break;
            }
            var failing = path.getLast();
            reasons.add(new JoinReason.NoAcsPathAtBridge(
                    bridge.address(), bridge.kind(), failing.device(), failing.grounds()));
            pdev = bridge;
            if (groupOf.containsKey(pdev.address())) {
                join(function, groupOf.get(pdev.address()), reasons);
                return;
            }
            bus = bridge.address().busAddress();
        }

        // Steps 3 and 4 share one visited-devfn set, as the kernel's bitmap is not cleared between them.
        Set<Integer> visitedDevfns = new HashSet<>();
        var found = aliasGroup(pdev, visitedDevfns);
        if (found.isEmpty()) {
            if (policy.trustMultifunctionIsolation() && pdev.isMultifunction())
                noteIsolation(acs.verdict(pdev), reasons);
            found = functionAliasGroup(pdev, visitedDevfns);
        }
        if (found.isEmpty() && policy.groupByBus()) found = busGroup(function);
        if (found.isPresent()) {
            reasons.addAll(found.get().chain());
            join(function, found.get().group(), reasons);
            return;
        }

        // Step 5: nothing to share.
        groups.add(new ArrayList<>());
        reasons.add(new JoinReason.NewGroup(groups.size() - 1));
        join(function, groups.size() - 1, reasons);
    }

    /** Step 3 (get_pci_alias_group): this device's group, or that of a same-bus DMA alias, recursively. */
    private Optional<Found> aliasGroup(PciFunction device, Set<Integer> visitedDevfns) {
        if (!visitedDevfns.add(device.address().devfn())) return Optional.empty();
        var own = groupOf.get(device.address());
        if (own != null) return Optional.of(new Found(own, List.of()));
        for (var other : order) {
            if (other == device
                    || !other.address().busAddress().equals(device.address().busAddress())) continue;
            var aliases = DmaAliasQuirks.aliasesBetween(device, other);
            if (aliases.isEmpty()) continue;
            var alias = aliases.getFirst();
            var aliasing = alias.alias().equals(other.address()) ? device.address() : other.address();
            var reason = new JoinReason.DmaAliasQuirkMatch(
                    aliasing, alias.alias(), alias.quirk().name());
            var found = aliasGroup(other, visitedDevfns).or(() -> functionAliasGroup(other, visitedDevfns));
            if (found.isPresent()) return Optional.of(found.get().prefixed(reason));
        }
        return Optional.empty();
    }

    /**
     * Step 4 (get_pci_function_alias_group): a multifunction device without ACS shares the group of
     * any same-slot function that also lacks ACS. Untrusted multifunction isolation drops the ACS test.
     */
    private Optional<Found> functionAliasGroup(PciFunction device, Set<Integer> visitedDevfns) {
        boolean trust = policy.trustMultifunctionIsolation();
        if (trust && (!device.isMultifunction() || acs.isIsolated(device))) return Optional.empty();
        var slot = device.address().slotName();
        for (var other : order) {
            if (other == device || !sameSlot(other, device)) continue;
            if (trust && acs.isIsolated(other)) continue;
            var found = aliasGroup(other, visitedDevfns);
            if (found.isPresent()) {
                JoinReason reason = trust
                        ? new JoinReason.MultifunctionSlotWithoutAcs(slot, other.address())
                        : new JoinReason.SlotGroupedByPolicy(slot, other.address());
                return Optional.of(found.get().prefixed(reason));
            }
        }
        return Optional.empty();
    }

    /** Policy: share the group of any function already placed on the same bus. */
    private Optional<Found> busGroup(PciFunction function) {
        var bus = function.address().busAddress();
        for (var other : order) {
            var group = groupOf.get(other.address());
            if (group != null && other.address().busAddress().equals(bus)) {
                return Optional.of(new Found(group, List.of(new JoinReason.BusGroupedByPolicy(bus, other.address()))));
            }
        }
        return Optional.empty();
    }

    private static boolean sameSlot(PciFunction a, PciFunction b) {
        return a.address().busAddress().equals(b.address().busAddress())
                && a.address().device() == b.address().device();
    }

    /** Overrides and quirks that made something count as isolated are worth naming. */
    private static void noteIsolation(AcsVerdict verdict, List<JoinReason> reasons) {
        if (!verdict.isolated()) return;
        switch (verdict.source()) {
            case OVERRIDE -> reasons.add(new JoinReason.IsolatedByAcsOverride(verdict.device()));
            case DEVICE_QUIRK -> reasons.add(new JoinReason.IsolatedByAcsQuirk(verdict.device(), verdict.grounds()));
            default -> {}
        }
    }

    private void join(PciFunction function, int group, List<JoinReason> reasons) {
        groupOf.put(function.address(), group);
        groups.get(group).add(new GroupMember(function.address(), reasons));
    }
}
