package dev.custody.topology.host;

import dev.custody.topology.PciAddress;
import dev.custody.topology.PciFunction;
import dev.custody.topology.PciTopology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Plans a q35 guest that mirrors the host's isolation, as POWER hypervisors do with one PCI host
 * bridge per group: every assigned group gets its own pxb-pcie host bridge and pcie-root-port (which
 * has ACS, so the guest isolates it from the rest). A group that is one slot keeps its functions as
 * one multifunction slot, so the guest groups them together as the host does; a group spread over
 * several slots sits behind a pcie-pci-bridge, which makes the guest group all of it as one.
 * Refuses assignments that would share a group between this VM and another VM or the host, since
 * VFIO's viability rule (iommu_group_dma_owner_claimed) would refuse them at run time anyway.
 */
public final class GuestPlanner {

    /** Buses each pxb-pcie reserves: its root bus, the root port's and a bridge's secondary. */
    public static final int BUSES_PER_GROUP = 16;

    public static final int MAX_GROUPS = 0xff / BUSES_PER_GROUP - 1;

    private GuestPlanner() {}

    public static GuestPlan plan(PciTopology topology, HostGroups groups, VmAssignment vm, List<VmAssignment> others) {
        var reasons = new ArrayList<String>();
        var everyVm = new ArrayList<VmAssignment>();
        everyVm.add(vm);
        everyVm.addAll(others);
        for (var assignment : everyVm) reasons.addAll(hostSplits(topology, groups, assignment));
        reasons.addAll(vmSplits(groups, everyVm));
        var touched = touchedGroups(groups, vm);
        for (var group : touched.keySet()) {
            if (assignableOf(topology, groups.groups().get(group)).isEmpty()) {
                reasons.add("group %d has nothing a guest can take (only %s); bridges stay with the host"
                        .formatted(group, describe(topology, groups.groups().get(group))));
            }
        }
        if (touched.size() > MAX_GROUPS) {
            reasons.add("%d groups need more guest bus numbers than one q35 machine has (at most %d)"
                    .formatted(touched.size(), MAX_GROUPS));
        }
        if (!reasons.isEmpty()) return new GuestPlan.Refused(reasons);
        return new GuestPlan.Planned(arguments(topology, groups, touched));
    }

    /** A group this VM takes only part of leaves the rest with the host. */
    private static List<String> hostSplits(PciTopology topology, HostGroups groups, VmAssignment vm) {
        var reasons = new ArrayList<String>();
        touchedGroups(groups, vm).forEach((group, taken) -> {
            var left = assignableOf(topology, groups.groups().get(group)).stream()
                    .filter(a -> !taken.contains(a))
                    .toList();
            if (!left.isEmpty()) {
                reasons.add("%s splits group %d: it takes %s but %s would stay with the host; assign the whole group"
                        .formatted(vm.label(), group, names(taken), names(left)));
            }
        });
        vm.functions().stream()
                .filter(a -> groups.numberOf(a).isEmpty())
                .forEach(a -> reasons.add(
                        "%s takes %s, which is in no IOMMU group; VFIO cannot assign it".formatted(vm.label(), a)));
        return reasons;
    }

    /** A group touched by two VMs is split between them. */
    private static List<String> vmSplits(HostGroups groups, List<VmAssignment> vms) {
        var reasons = new ArrayList<String>();
        Map<Integer, List<String>> users = new LinkedHashMap<>();
        for (var vm : vms)
            touchedGroups(groups, vm)
                    .keySet()
                    .forEach(g ->
                            users.computeIfAbsent(g, k -> new ArrayList<>()).add(vm.label()));
        users.forEach((group, labels) -> {
            if (labels.size() > 1) {
                reasons.add("group %d is split across VMs (%s); one group can belong to one owner only"
                        .formatted(group, String.join(", ", labels)));
            }
        });
        return reasons;
    }

    private static Map<Integer, List<PciAddress>> touchedGroups(HostGroups groups, VmAssignment vm) {
        var touched = new LinkedHashMap<Integer, List<PciAddress>>();
        for (var address : new TreeSet<>(vm.functions())) {
            groups.numberOf(address)
                    .ifPresent(g ->
                            touched.computeIfAbsent(g, k -> new ArrayList<>()).add(address));
        }
        return touched.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
    }

    private static List<PciAddress> assignableOf(PciTopology topology, List<PciAddress> members) {
        return members.stream()
                .filter(a -> VmAssignment.assignable(topology.require(a)))
                .sorted()
                .toList();
    }

    private static List<String> arguments(
            PciTopology topology, HostGroups groups, Map<Integer, List<PciAddress>> touched) {
        var lines = new ArrayList<String>();
        lines.add("# q35 guest: each assigned group behind its own pxb-pcie host bridge and pcie-root-port,");
        lines.add("# so the guest forms the same groups as the host (groups: " + groups.origin() + ")");
        if (!groups.fromKernel()) {
            lines.add("# note: the host reports no IOMMU groups; VFIO can assign nothing until an IOMMU is on");
        }
        int index = 0;
        for (var group : touched.keySet()) {
            index++;
            var members = groups.groups().get(group);
            var assigned = assignableOf(topology, members);
            var pxb = "pxb-g" + group;
            var port = "rp-g" + group;
            lines.add("# group %d: %s".formatted(group, describe(topology, members)));
            var stays = members.stream().filter(a -> !assigned.contains(a)).toList();
            if (!stays.isEmpty())
                lines.add("#   stays with the host (a bridge is not assignable; VFIO allows it in the group): "
                        + names(stays));
            lines.add("-device pxb-pcie,id=%s,bus_nr=%d,bus=pcie.0".formatted(pxb, index * BUSES_PER_GROUP));
            lines.add("-device pcie-root-port,id=%s,bus=%s,chassis=%d,slot=0,addr=00.0".formatted(port, pxb, index));
            var slots = assigned.stream()
                    .collect(Collectors.groupingBy(PciAddress::slotName, LinkedHashMap::new, Collectors.toList()));
            if (slots.size() == 1) {
                lines.addAll(slot(slots.values().iterator().next(), port, 0));
            } else {
                var bridge = "br-g" + group;
                lines.add("-device pcie-pci-bridge,id=%s,bus=%s,addr=00.0".formatted(bridge, port));
                int guestSlot = 1;
                for (var functions : slots.values()) lines.addAll(slot(functions, bridge, guestSlot++));
            }
        }
        return lines;
    }

    /** One guest slot: functions renumbered from 0, function 0 announcing the others. */
    private static List<String> slot(List<PciAddress> functions, String bus, int guestSlot) {
        var lines = new ArrayList<String>();
        for (int f = 0; f < functions.size(); f++) {
            var multifunction = f == 0 && functions.size() > 1 ? ",multifunction=on" : "";
            lines.add("-device vfio-pci,host=%s,bus=%s,addr=%02x.%x%s"
                    .formatted(functions.get(f), bus, guestSlot, f, multifunction));
        }
        return lines;
    }

    private static String describe(PciTopology topology, List<PciAddress> members) {
        return members.stream()
                .map(topology::require)
                .map(PciFunction::describe)
                .collect(Collectors.joining(", "));
    }

    private static String names(List<PciAddress> addresses) {
        return addresses.stream().map(PciAddress::toString).collect(Collectors.joining(", "));
    }
}
