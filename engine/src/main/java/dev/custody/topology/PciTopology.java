package dev.custody.topology;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A PCI hierarchy: every function, with buses linked to the bridges above them through the
 * bridges' secondary bus numbers. A bus that no bridge names as its secondary is a root bus.
 */
public record PciTopology(List<PciFunction> functions) {

    public PciTopology {
        functions = functions.stream()
                .sorted(Comparator.comparing(PciFunction::address))
                .toList();
        checkUniqueAddresses(functions);
        checkBridgeBuses(functions);
        functions = PortTypeFixups.apply(functions);
    }

    public static PciTopology of(Collection<PciFunction> functions) {
        return new PciTopology(List.copyOf(functions));
    }

    public Optional<PciFunction> function(PciAddress address) {
        return functions.stream().filter(f -> f.address().equals(address)).findFirst();
    }

    public PciFunction require(PciAddress address) {
        return function(address).orElseThrow(() -> new IllegalArgumentException("no PCI function " + address));
    }

    /** The bridge whose secondary bus this is; empty for a root bus. */
    public Optional<PciFunction> upstreamBridge(BusAddress bus) {
        return functions.stream()
                .filter(f -> f.address().segment() == bus.segment())
                .filter(f ->
                        f.bridgeBuses().map(r -> r.secondary() == bus.bus()).orElse(false))
                .findFirst();
    }

    public boolean isRootBus(BusAddress bus) {
        return upstreamBridge(bus).isEmpty();
    }

    public List<PciFunction> functionsOn(BusAddress bus) {
        return functions.stream()
                .filter(f -> f.address().busAddress().equals(bus))
                .toList();
    }

    /** The functions of one slot (same bus and device number), function 0 first. */
    public List<PciFunction> slotOf(PciAddress address) {
        return functionsOn(address.busAddress()).stream()
                .filter(f -> f.address().device() == address.device())
                .toList();
    }

    /** Every slot in address order. */
    public List<PciSlot> slots() {
        var slots = new TreeMap<PciAddress, List<PciFunction>>();
        for (var f : functions) {
            slots.computeIfAbsent(f.address().withDevfn(f.address().device() << 3), k -> new ArrayList<>())
                    .add(f);
        }
        return slots.entrySet().stream()
                .map(e -> new PciSlot(e.getKey().busAddress(), e.getKey().device(), e.getValue()))
                .toList();
    }

    /** Segment -> buses view, including buses that only exist as some bridge's (empty) secondary. */
    public List<PciSegment> segments() {
        var buses = new TreeMap<BusAddress, List<PciAddress>>();
        for (var f : functions) {
            buses.computeIfAbsent(f.address().busAddress(), b -> new ArrayList<>())
                    .add(f.address());
            f.bridgeBuses()
                    .ifPresent(r -> buses.computeIfAbsent(
                            new BusAddress(f.address().segment(), r.secondary()), b -> new ArrayList<>()));
        }
        var bySegment = new TreeMap<Integer, List<PciBus>>();
        buses.forEach((bus, devices) -> bySegment
                .computeIfAbsent(bus.segment(), s -> new ArrayList<>())
                .add(new PciBus(bus, upstreamBridge(bus).map(PciFunction::address), devices)));
        return bySegment.entrySet().stream()
                .map(e -> new PciSegment(e.getKey(), e.getValue()))
                .toList();
    }

    private static void checkUniqueAddresses(List<PciFunction> functions) {
        var seen = new HashSet<PciAddress>();
        for (var f : functions) {
            if (!seen.add(f.address())) throw new IllegalArgumentException("PCI function listed twice: " + f.address());
        }
    }

    /** Two bridges may not claim one secondary bus, and a bridge may not lead back to its own bus. */
    private static void checkBridgeBuses(List<PciFunction> functions) {
        Map<BusAddress, PciAddress> owner = new HashMap<>();
        for (var f : functions) {
            if (f.bridgeBuses().isEmpty()) continue;
            var range = f.bridgeBuses().get();
            var secondary = new BusAddress(f.address().segment(), range.secondary());
            var previous = owner.putIfAbsent(secondary, f.address());
            if (previous != null) {
                throw new IllegalArgumentException(
                        "bridges %s and %s both claim secondary bus %s".formatted(previous, f.address(), secondary));
            }
            if (range.contains(f.address().bus())) {
                throw new IllegalArgumentException("bridge %s has its own bus %02x inside its bus range %02x-%02x"
                        .formatted(f.address(), f.address().bus(), range.secondary(), range.subordinate()));
            }
        }
        checkBusesAreAcyclic(functions, owner);
    }

    private static void checkBusesAreAcyclic(List<PciFunction> functions, Map<BusAddress, PciAddress> owner) {
        for (var f : functions) {
            Set<BusAddress> seen = new HashSet<>();
            var bus = f.address().busAddress();
            while (owner.containsKey(bus)) {
                if (!seen.add(bus)) throw new IllegalArgumentException("bridge loop above " + f.address());
                bus = owner.get(bus).busAddress();
            }
        }
    }
}
