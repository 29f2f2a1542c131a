package dev.custody.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.topology.GroupDerivation;
import dev.custody.topology.GroupMember;
import dev.custody.topology.GroupingResult;
import dev.custody.topology.IommuGroup;
import dev.custody.topology.PciFunction;
import dev.custody.topology.PciTopology;
import dev.custody.topology.host.KernelComparison;
import dev.custody.topology.host.PciTree;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

    @Option(
            names = "--json",
            description = "Print one JSON object: {\"functions\": [{address, description, driver, group,"
                    + " kernelGroup, upstream}], \"groups\": [{number, members: [{address, reasons}]}],"
                    + " \"differences\": [...], \"notes\": [...]}.")
    boolean asJson;

    @Override
    public Integer call() {
        return TopologyCommand.guard(() -> {
            var policy = policyOptions.policy();
            var loaded = source.load();
            loaded.notes().forEach(n -> System.err.println("custody: note: " + n));
            var topology = loaded.capture().topology();
            var groups = GroupDerivation.derive(topology, policy);
            if (asJson) {
                var comparison = KernelComparison.of(topology, groups, false);
                System.out.println(new ObjectMapper().writeValueAsString(json(topology, groups, comparison, policy)));
                return TopologyCommand.OK;
            }
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

    /** The tree and the groups as data: each function once, in address order, and each group's members with why. */
    private static ObjectNode json(
            PciTopology topology,
            GroupingResult groups,
            KernelComparison comparison,
            dev.custody.topology.GroupingPolicy policy) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        var functions = root.putArray("functions");
        for (PciFunction function : topology.functions()) {
            ObjectNode node = functions.addObject();
            node.put("address", function.address().toString());
            node.put("description", function.describe());
            if (function.driver().isPresent()) {
                node.put("driver", function.driver().get());
            } else {
                node.putNull("driver");
            }
            var group = groups.groupOf(function.address());
            if (group.isPresent()) {
                node.put("group", group.get().number());
            } else {
                node.putNull("group");
            }
            if (function.reportedGroup().isPresent()) {
                node.put("kernelGroup", function.reportedGroup().getAsInt());
            } else {
                node.putNull("kernelGroup");
            }
            var upstream = topology.upstreamBridge(function.address().busAddress());
            if (upstream.isPresent()) {
                node.put("upstream", upstream.get().address().toString());
            } else {
                node.putNull("upstream");
            }
        }
        var groupArray = root.putArray("groups");
        for (IommuGroup group : groups.groups()) {
            ObjectNode node = groupArray.addObject();
            node.put("number", group.number());
            var members = node.putArray("members");
            for (GroupMember member : group.members()) {
                ObjectNode m = members.addObject();
                m.put("address", member.address().toString());
                member.reasonTexts().forEach(m.putArray("reasons")::add);
            }
        }
        comparison.differences().forEach(root.putArray("differences")::add);
        PolicyOptions.unsafeNotes(policy).forEach(root.putArray("notes")::add);
        return root;
    }
}
