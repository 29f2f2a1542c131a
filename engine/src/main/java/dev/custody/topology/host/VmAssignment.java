package dev.custody.topology.host;

import dev.custody.topology.DeviceKind;
import dev.custody.topology.PciAddress;
import dev.custody.topology.PciFunction;
import dev.custody.topology.PciTopology;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one VM is given: the functions named in a {@code --groups} style list, where an item is a
 * group number (the whole group) or a PCI address (just that function, so it can split a group).
 *
 * @param label how refusals name this VM ("this VM", "--vm-groups #2")
 */
public record VmAssignment(String label, Set<PciAddress> functions) {

    public VmAssignment {
        functions = Set.copyOf(functions);
    }

    public static VmAssignment parse(
            String label, String option, Iterable<String> items, PciTopology topology, HostGroups groups) {
        var functions = new TreeSet<PciAddress>();
        for (var raw : items) {
            var item = raw.strip();
            if (item.matches("[0-9]+")) {
                var members = groups.groups().get(Integer.parseInt(item));
                if (members == null) {
                    throw new HostInputException(
                            option,
                            item,
                            "no group " + item + " (groups: " + groups.groups().keySet() + ", " + groups.origin()
                                    + ")");
                }
                functions.addAll(members);
                continue;
            }
            PciAddress address;
            try {
                address = PciAddress.parse(item);
            } catch (IllegalArgumentException e) {
                throw new HostInputException(option, item, "neither a group number nor a PCI address");
            }
            if (topology.function(address).isEmpty())
                throw new HostInputException(option, item, "no such PCI function");
            functions.add(address);
        }
        return new VmAssignment(label, functions);
    }

    /** Whether a guest can take this function: bridges and host bridges stay with the host. */
    public static boolean assignable(PciFunction function) {
        return !function.isBridge() && function.kind() != DeviceKind.HOST_BRIDGE;
    }
}
