package dev.custody.cli;

import dev.custody.topology.GroupDerivation;
import dev.custody.topology.host.KernelComparison;
import dev.custody.topology.host.PciTree;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code custody topology show}: the PCI tree annotated with groups and drivers, then why each group formed. */
@Command(
        name = "show",
        mixinStandardHelpOptions = true,
        description = {
            "Prints the PCI hierarchy as a tree (like lspci -t) with each function's derived group",
            "(and the kernel's number when captured) and driver, then every group with the rule that put",
            "each member there. Exit 0, or 2 on bad input."
        })
final class TopologyShow implements Callable<Integer> {

    @Mixin
    HostSource source = new HostSource();

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Override
    public Integer call() {
        return TopologyCommand.guard(() -> {
            var policy = policyOptions.policy();
            var loaded = source.load();
            loaded.notes().forEach(n -> System.err.println("custody: note: " + n));
            var topology = loaded.capture().topology();
            var groups = GroupDerivation.derive(topology, policy);
            PolicyOptions.unsafeNotes(policy).forEach(System.out::println);
            PciTree.render(topology, groups).forEach(System.out::println);
            System.out.println();
            System.out.println("why each group formed:");
            System.out.println(groups.explain());
            var comparison = KernelComparison.of(topology, groups, false);
            if (!comparison.differences().isEmpty()) {
                System.out.println();
                System.out.println("differences from the kernel's groups:");
                comparison.differences().forEach(d -> System.out.println("  " + d));
            }
            return TopologyCommand.OK;
        });
    }
}
