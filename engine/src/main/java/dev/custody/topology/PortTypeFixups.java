package dev.custody.topology;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel's correction of port types that cannot be true where the port sits
 * ({@code set_pcie_port_type}, drivers/pci/probe.c): a function that reports itself a downstream
 * port below a downstream port (a root port, a switch's downstream port or a PCI-to-PCIe bridge)
 * acts as an upstream port, and one that reports itself an upstream port below an upstream port
 * acts as a downstream port. The kernel corrects each function as it probes it, after its parent,
 * and every later decision (ACS, aliases, pcieport's services) sees the corrected type, so group
 * derivation must too. Found by custody oracle on 6.12: a QEMU xio3130 downstream port placed
 * directly below a root port got a group of its own, as an upstream port does.
 */
final class PortTypeFixups {
    private PortTypeFixups() {}

    /** The functions with their types as the kernel reads them, in the order given. */
    static List<PciFunction> apply(List<PciFunction> functions) {
        Map<PciAddress, PciFunction> corrected = new HashMap<>();
        List<PciFunction> topDown = new ArrayList<>(functions);
        topDown.sort(Comparator.comparingInt(f -> depth(f, functions)));
        for (PciFunction function : topDown) {
            Optional<PciFunction> parent = parent(function, functions).map(p -> corrected.getOrDefault(p.address(), p));
            corrected.put(function.address(), corrected(function, parent));
        }
        return functions.stream().map(f -> corrected.get(f.address())).toList();
    }

    private static PciFunction corrected(PciFunction function, Optional<PciFunction> parent) {
        if (parent.isEmpty() || function.expressType().isEmpty()) {
            return function;
        }
        PciePortType type = function.expressType().get();
        Optional<PciePortType> above = parent.get().expressType();
        if (type == PciePortType.SWITCH_DOWNSTREAM_PORT
                && above.map(PortTypeFixups::isDownstream).orElse(false)) {
            return PciFunctionBuilder.from(function)
                    .express(PciePortType.SWITCH_UPSTREAM_PORT)
                    .build();
        }
        if (type == PciePortType.SWITCH_UPSTREAM_PORT && above.equals(Optional.of(PciePortType.SWITCH_UPSTREAM_PORT))) {
            return PciFunctionBuilder.from(function)
                    .express(PciePortType.SWITCH_DOWNSTREAM_PORT)
                    .build();
        }
        return function;
    }

    /** pcie_downstream_port(): a port whose link leads away from the root. */
    private static boolean isDownstream(PciePortType type) {
        return type == PciePortType.ROOT_PORT
                || type == PciePortType.SWITCH_DOWNSTREAM_PORT
                || type == PciePortType.PCI_TO_PCIE_BRIDGE;
    }

    private static Optional<PciFunction> parent(PciFunction function, List<PciFunction> functions) {
        var bus = function.address().busAddress();
        return functions.stream()
                .filter(f -> f.address().segment() == bus.segment())
                .filter(f ->
                        f.bridgeBuses().map(r -> r.secondary() == bus.bus()).orElse(false))
                .findFirst();
    }

    private static int depth(PciFunction function, List<PciFunction> functions) {
        int depth = 0;
        for (Optional<PciFunction> at = parent(function, functions);
                at.isPresent() && depth <= functions.size();
                at = parent(at.get(), functions)) {
            depth++;
        }
        return depth;
    }
}
