package dev.custody.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.topology.GroupDerivation;
import dev.custody.topology.host.HostGroups;
import dev.custody.topology.host.KernelComparison;
import dev.custody.topology.host.ScenarioTopologyFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code custody topology import}: derive groups for a host or a capture and compare them with the kernel's. */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description = {
            "Reads a host's PCI functions, derives the IOMMU groups as the kernel would, and compares",
            "them with the kernel's iommu_group when the capture has them, reporting every difference.",
            "Exit 0 when they agree (or there is nothing to compare), 1 on differences, 2 on bad input."
        })
final class TopologyImport implements Callable<Integer> {

    @Mixin
    HostSource source = new HostSource();

    @Mixin
    PolicyOptions policyOptions = new PolicyOptions();

    @Option(
            names = "--json",
            description =
                    "Print {\"groups\": [[addresses...]...], \"kernelGroups\": ... or null, \"differences\": [...]}.")
    boolean asJson;

    @Option(
            names = "--ignore-kernel-groups",
            description =
                    "Derive without comparing, even when the capture has iommu_group files; --out then writes the derived groups.")
    boolean ignoreKernelGroups;

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description =
                    "Write a scenario file with this topology (the kernel's groups when known, else the derived ones).")
    Path out;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() {
        return TopologyCommand.guard(() -> {
            var policy = policyOptions.policy();
            var loaded = source.load();
            var topology = loaded.capture().topology();
            loaded.notes().forEach(n -> System.err.println("custody: note: " + n));
            PolicyOptions.unsafeNotes(policy).forEach(n -> System.err.println("custody: " + n));
            var derived = GroupDerivation.derive(topology, policy);
            var comparison = KernelComparison.of(topology, derived, ignoreKernelGroups);
            if (asJson) {
                printJson(comparison);
            } else {
                printText(loaded.source(), comparison);
            }
            if (out != null) {
                var file =
                        ScenarioTopologyFile.of(topology, HostGroups.of(topology, derived, ignoreKernelGroups), json);
                Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(file) + "\n");
                System.err.println("custody: wrote " + out);
            }
            return comparison.differences().isEmpty() ? TopologyCommand.OK : TopologyCommand.DIFFERENCES_OR_REFUSED;
        });
    }

    private void printJson(KernelComparison comparison) throws Exception {
        var root = json.createObjectNode();
        root.set("groups", json.valueToTree(comparison.derivedAddresses()));
        root.set(
                "kernelGroups",
                comparison.kernelAddresses().<JsonNode>map(json::valueToTree).orElse(json.nullNode()));
        root.set("differences", json.valueToTree(comparison.differences()));
        System.out.println(json.writeValueAsString(root));
    }

    private static void printText(String source, KernelComparison comparison) {
        System.out.println("derived IOMMU groups of " + source + ":");
        System.out.println(comparison.derived().explain());
        if (comparison.kernelGroups().isEmpty()) {
            System.out.println("kernel groups: none to compare with (no iommu_group, or ignored)");
            return;
        }
        System.out.println("kernel groups: " + comparison.kernelGroups().get().size());
        if (comparison.differences().isEmpty()) {
            System.out.println("differences: none, the derivation matches the kernel");
        } else {
            System.out.println("differences:");
            comparison.differences().forEach(d -> System.out.println("  " + d));
        }
    }
}
