package dev.custody.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** A fleet's run ({@link Fleet}) as text or JSON: each host's throughput and violation, and the total. */
public final class FleetReport {
    private FleetReport() {}

    public static String text(Fleet.Result fleet, SimSettings settings) {
        return text(fleet, settings, 1, Map.of());
    }

    /**
     * {@code nodesOf}: for a fleet over cluster nodes ({@code simulate --nodes}), the nodes that decided
     * each instance's calls; empty in one JVM.
     */
    public static String text(Fleet.Result fleet, SimSettings settings, int nodes, Map<String, Set<String>> nodesOf) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "custody simulate: %d hosts, seeds %d to %d, %d groups each, %s, %s engine%n",
                fleet.hosts().size(),
                settings.seed(),
                settings.seed() + fleet.hosts().size() - 1,
                settings.groups(),
                settings.deterministic() ? "deterministic" : "concurrent",
                settings.actors() ? "actor (" + settings.journalName() + ")" : "rules"));
        for (Fleet.Host host : fleet.hosts()) {
            out.append(String.format(
                    Locale.ROOT,
                    "host %3d  seed %-12d %10d ops %10.0f ops/s  %s%s%n",
                    host.index(),
                    host.seed(),
                    host.result().operations(),
                    host.operationsPerSecond(),
                    host.result()
                            .violation()
                            .map(f -> "VIOLATION at call " + f.step() + ": "
                                    + f.violations().getFirst() + " (custody simulate --seed " + host.seed()
                                    + " repeats this host)")
                            .orElse("no violation"),
                    nodesOf.containsKey(host.instance())
                            ? "  on " + String.join(", ", nodesOf.get(host.instance()))
                            : ""));
        }
        out.append(String.format(
                Locale.ROOT,
                "total: %d ops in %.2f s, %.0f ops/s over %d hosts on %d node%s; %d with a violation%n",
                fleet.operations(),
                fleet.elapsedNanos() / 1e9,
                fleet.operationsPerSecond(),
                fleet.hosts().size(),
                nodes,
                nodes == 1 ? "" : "s",
                fleet.violated().size()));
        return out.toString();
    }

    public static ObjectNode json(Fleet.Result fleet, SimSettings settings) {
        return json(fleet, settings, 1, Map.of());
    }

    /** As {@link #text(Fleet.Result, SimSettings, int, Map)}: {@code nodes}, and each host's {@code nodes}. */
    public static ObjectNode json(
            Fleet.Result fleet, SimSettings settings, int nodes, Map<String, Set<String>> nodesOf) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("hosts", fleet.hosts().size());
        root.put("seed", settings.seed());
        root.put("engine", settings.actors() ? "actors" : "rules");
        root.put("nodes", nodes);
        root.put("operations", fleet.operations());
        root.put("elapsedSeconds", fleet.elapsedNanos() / 1e9);
        root.put("operationsPerSecond", fleet.operationsPerSecond());
        root.put("violations", fleet.violated().size());
        var perHost = root.putArray("perHost");
        for (Fleet.Host host : fleet.hosts()) {
            ObjectNode node = perHost.addObject()
                    .put("index", host.index())
                    .put("seed", host.seed())
                    .put("operations", host.result().operations())
                    .put("operationsPerSecond", host.operationsPerSecond())
                    .put("checks", host.result().checks());
            if (settings.actors()) {
                node.put("instance", host.instance());
            }
            if (nodesOf.containsKey(host.instance())) {
                var decidedOn = node.putArray("nodes");
                nodesOf.get(host.instance()).forEach(decidedOn::add);
            }
            if (host.result().violation().isPresent()) {
                node.put(
                        "violation",
                        host.result().violation().get().violations().getFirst().toString());
            } else {
                node.putNull("violation");
            }
        }
        return root;
    }
}
