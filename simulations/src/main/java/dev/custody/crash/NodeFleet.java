package dev.custody.crash;

import dev.custody.model.Topology;
import dev.custody.persistence.JournalSpec;
import dev.custody.sim.Fleet;
import dev.custody.sim.ScenarioEmitter;
import dev.custody.sim.SimSettings;
import dev.custody.sim.SimTopology;
import dev.custody.sim.Simulation;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code custody simulate --hosts N --nodes M}: the fleet of {@link Fleet} spread over M cluster nodes.
 * M {@code serve --cluster} JVMs on 127.0.0.1 ({@link LoopbackNodes}, as {@code cluster-test} starts
 * them) share one PostgreSQL journal and a fleet of N instances, which Cluster Sharding spreads over
 * them. This JVM runs every host's agents and invariant checks, as the one-JVM fleet does, and sends
 * each host's calls through the socket of node {@code i mod M} ({@link ClusterSocketEngine}): the
 * checks run where the decisions are observed, in the order each host's calls were decided.
 *
 * <p>A cluster's fleet has one machine: every host is the machine of the first seed, and host {@code
 * i}'s agents run on seed {@code SEED+i}.
 */
public final class NodeFleet {
    /** The fleet's run, which nodes decided each host's calls, and each node's exit status once stopped. */
    public record Result(
            Fleet.Result fleet, Map<String, Set<String>> nodesOf, List<String> addresses, List<Integer> exits) {}

    private final SimSettings settings;
    private final int hosts;
    private final int nodes;
    private final JournalSpec journal;
    private final Path workDir;
    private final PrintStream progress;

    public NodeFleet(
            SimSettings settings, int hosts, int nodes, JournalSpec journal, Path workDir, PrintStream progress) {
        this.settings = settings;
        this.hosts = hosts;
        this.nodes = nodes;
        this.journal = journal;
        this.workDir = workDir;
        this.progress = progress;
    }

    public Result run() throws Exception {
        Topology machine = SimTopology.forRun(settings.seed(), settings.groups(), settings.schedule());
        Topology workedOn = settings.activeGroups() == settings.groups()
                ? machine
                : SimTopology.forRun(settings.seed(), settings.activeGroups(), settings.schedule());
        Path topology = workDir.resolve("topology.json");
        Files.writeString(
                topology,
                ScenarioEmitter.write("fleet", "the machine of every host of the fleet", machine, List.of(), Set.of()));
        // this run's own instances: an earlier run's journal on the same database is never recovered
        String prefix = "fleet-" + Long.toHexString(System.currentTimeMillis());
        LoopbackNodes cluster = new LoopbackNodes(
                new LoopbackNodes.Settings(nodes, hosts, prefix, topology, journal, workDir, "loopback"));
        List<Process> started = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(
                hosts, Thread.ofPlatform().name("fleet-host-", 0).factory());
        try {
            for (int n = 0; n < nodes; n++) {
                started.add(cluster.start(n, false));
                progress.printf("node %d up: %s%n", n, cluster.address(n));
            }
            List<ClusterSocketEngine> engines = new ArrayList<>();
            long start = System.nanoTime();
            List<Future<Fleet.Host>> running = new ArrayList<>();
            for (int i = 0; i < hosts; i++) {
                int index = i;
                long seed = settings.seed() + i;
                String instance = prefix + "-" + i;
                ClusterSocketEngine engine = new ClusterSocketEngine(instance, cluster.socket(i % nodes));
                engines.add(engine);
                running.add(threads.submit(() -> {
                    Simulation simulation =
                            new Simulation(settings.withSeed(seed), machine, workedOn, instance, engine);
                    return new Fleet.Host(index, seed, instance, simulation.run(done -> {}));
                }));
            }
            List<Fleet.Host> done = new ArrayList<>();
            for (Future<Fleet.Host> host : running) {
                done.add(host.get());
            }
            Fleet.Result fleet = new Fleet.Result(done, System.nanoTime() - start);
            Map<String, Set<String>> nodesOf = new TreeMap<>();
            for (int i = 0; i < hosts; i++) {
                nodesOf.put(prefix + "-" + i, engines.get(i).nodes());
            }
            List<String> addresses = new ArrayList<>();
            for (int n = 0; n < nodes; n++) {
                addresses.add(cluster.address(n));
            }
            threads.shutdownNow();
            List<Integer> exits = LoopbackNodes.stopInTurn(started);
            started.clear();
            return new Result(fleet, nodesOf, addresses, exits);
        } catch (ExecutionException failed) {
            throw new IllegalStateException(
                    "a host of the fleet failed: " + failed.getCause().getMessage(), failed);
        } finally {
            threads.shutdownNow();
            LoopbackNodes.stop(started);
        }
    }
}
