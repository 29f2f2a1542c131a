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
            names = "--groups",
            required = true,
            split = ",",
            paramLabel = "N|ADDRESS",
            description = "This VM's groups (numbers) or single functions (addresses), comma-separated.")
    List<String> groups;

    @Option(
            names = "--vm-groups",
            paramLabel = "N|ADDRESS,...",
            description = "What each other VM is given (repeat once per VM), to refuse groups split across VMs.")
    List<String> otherVms = List.of();

    @Override
    public Integer call() {
        return TopologyCommand.guard(() -> {
            var loaded = source.load();
            loaded.notes().forEach(n -> System.err.println("custody: note: " + n));
            var topology = loaded.capture().topology();
            var hostGroups = HostGroups.of(topology, GroupDerivation.derive(topology), false);
            var vm = VmAssignment.parse("this VM", "--groups", groups, topology, hostGroups);
            var others = new ArrayList<VmAssignment>();
            for (int i = 0; i < otherVms.size(); i++) {
                others.add(VmAssignment.parse(
                        "--vm-groups #" + (i + 1),
                        "--vm-groups",
                        Arrays.asList(otherVms.get(i).split(",")),
                        topology,
                        hostGroups));
            }
            return switch (GuestPlanner.plan(topology, hostGroups, vm, others)) {
                case GuestPlan.Planned planned -> {
                    planned.lines().forEach(System.out::println);
                    yield TopologyCommand.OK;
                }
                case GuestPlan.Refused refused -> {
                    refused.reasons().forEach(r -> System.out.println("refused: " + r));
                    yield TopologyCommand.DIFFERENCES_OR_REFUSED;
                }
            };
        });
    }
}
