package dev.custody.topology.host;

import dev.custody.topology.BusAddress;
import dev.custody.topology.GroupingResult;
import dev.custody.topology.PciFunction;
import dev.custody.topology.PciTopology;
import java.util.ArrayList;
import java.util.List;

/**
 * The hierarchy as a tree in the spirit of {@code lspci -t}: each root bus, its functions, and below
 * every bridge its secondary bus. Each function is annotated with its kind, ids, derived group, the
 * kernel's group number when the capture has one, and its driver.
 */
public final class PciTree {

    private final PciTopology topology;
    private final GroupingResult groups;
    private final List<String> lines = new ArrayList<>();

    private PciTree(PciTopology topology, GroupingResult groups) {
        this.topology = topology;
        this.groups = groups;
    }

    public static List<String> render(PciTopology topology, GroupingResult groups) {
        var tree = new PciTree(topology, groups);
        for (var segment : topology.segments()) {
            for (var bus : segment.buses()) {
                if (!bus.isRoot()) continue;
                tree.lines.add("[" + bus.address() + "] root bus");
                tree.bus(bus.address(), "");
            }
        }
        return List.copyOf(tree.lines);
    }

    private void bus(BusAddress bus, String indent) {
        var functions = topology.functionsOn(bus);
        for (int i = 0; i < functions.size(); i++) {
            boolean last = i == functions.size() - 1;
            var f = functions.get(i);
            lines.add(indent + (last ? "\\-" : "+-") + " " + label(f));
            var below = indent + (last ? "   " : "|  ");
            f.bridgeBuses().ifPresent(range -> {
                var secondary = new BusAddress(bus.segment(), range.secondary());
                boolean empty = topology.functionsOn(secondary).isEmpty();
                lines.add(below + "\\- [" + secondary + "]" + (empty ? " (empty)" : ""));
                bus(secondary, below + "   ");
            });
        }
    }

    private String label(PciFunction f) {
        var a = f.address();
        var text = new StringBuilder(
                "%02x.%x %s [%s]".formatted(a.device(), a.function(), f.kind().description(), f.ids()));
        groups.groupOf(a).ifPresent(g -> {
            text.append("  group ").append(g.number());
            f.reportedGroup().ifPresent(k -> text.append(" (kernel ").append(k).append(')'));
        });
        text.append("  driver ").append(f.driver().orElse("-"));
        return text.toString();
    }
}
