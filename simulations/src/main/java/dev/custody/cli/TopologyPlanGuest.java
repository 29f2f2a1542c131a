package dev.custody.cli;

import dev.custody.topology.GroupDerivation;
import dev.custody.topology.host.GuestPlan;
import dev.custody.topology.host.GuestPlanner;
import dev.custody.topology.host.HostGroups;
import dev.custody.topology.host.VmAssignment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code custody topology plan-guest}: QEMU -device arguments that give a VM whole groups, each isolated. */
@Command(
        name = "plan-guest",
        mixinStandardHelpOptions = true,
        description = {
            "Proposes a q35 guest layout for the groups assigned to one VM: each group behind its own",
            "pxb-pcie host bridge and pcie-root-port, printed as QEMU -device arguments. Group numbers are",
            "the kernel's iommu_group when the capture has them, else the derived ones. Refuses (exit 1) an",
            "assignment that splits a group with the host or with another VM; exit 2 on bad input."
        })
final class TopologyPlanGuest implements Callable<Integer> {

    @Mixin
    HostSource source = new HostSource();

    @Option(
            names = "--assign",
            required = true,
            split = ",",
            paramLabel = "N|ADDRESS",
            description = "This VM's groups (numbers) or single functions (addresses), comma-separated.")
    List<String> groups;

    @Option(
            names = "--other-vm",
            paramLabel = "N|ADDRESS,...",
            description = "What each other VM is given (repeat once per VM), to refuse groups split across VMs.")
    List<String> otherVms = List.of();

    @Option(
            names = "--json",
            description = "Print one JSON object: {\"planned\": true, \"qemuArguments\": [...]} or"
                    + " {\"planned\": false, \"refused\": [...]}.")
    boolean asJson;

    @Override
    public Integer call() {
        return TopologyCommand.guard(() -> {
            var loaded = source.load();
            loaded.notes().forEach(n -> System.err.println("custody: note: " + n));
            var topology = loaded.capture().topology();
            var hostGroups = HostGroups.of(topology, GroupDerivation.derive(topology), false);
            var vm = VmAssignment.parse("this VM", "--assign", groups, topology, hostGroups);
            var others = new ArrayList<VmAssignment>();
            for (int i = 0; i < otherVms.size(); i++) {
                others.add(VmAssignment.parse(
                        "--other-vm #" + (i + 1),
                        "--other-vm",
                        Arrays.asList(otherVms.get(i).split(",")),
                        topology,
                        hostGroups));
            }
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            var root = json.createObjectNode();
            int exit = switch (GuestPlanner.plan(topology, hostGroups, vm, others)) {
                case GuestPlan.Planned planned -> {
                    root.put("planned", true);
                    planned.lines().forEach(root.putArray("qemuArguments")::add);
                    if (!asJson) {
                        planned.lines().forEach(System.out::println);
                    }
                    yield TopologyCommand.OK;
                }
                case GuestPlan.Refused refused -> {
                    root.put("planned", false);
                    refused.reasons().forEach(root.putArray("refused")::add);
                    if (!asJson) {
                        refused.reasons().forEach(r -> System.out.println("refused: " + r));
                    }
                    yield TopologyCommand.DIFFERENCES_OR_REFUSED;
                }
            };
            if (asJson) {
                System.out.println(json.writeValueAsString(root));
            }
            return exit;
        });
    }
}
