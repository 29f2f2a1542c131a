package dev.custody.crash;

import dev.custody.cluster.LoopbackPorts;
import dev.custody.persistence.JournalSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code custody serve --cluster} JVMs on 127.0.0.1, one shared PostgreSQL journal and one fleet of
 * {@code hosts} instances of one topology: the nodes of {@code cluster-test} and of {@code simulate
 * --nodes}. Each node's log and request socket are in {@code workDir}.
 */
public final class LoopbackNodes {
    /** How long a node may take to start and join. */
    static final Duration BOUND = Duration.ofSeconds(120);

    /**
     * @param fleetPrefix the fleet's instances are {@code PREFIX-0 ... PREFIX-(hosts-1)}
     * @param timings the nodes' {@code --cluster-timings} profile
     */
    public record Settings(
            int nodes,
            int hosts,
            String fleetPrefix,
            Path topology,
            JournalSpec journal,
            Path workDir,
            String timings) {}

    private final Settings settings;
    private final List<Integer> ports;

    public LoopbackNodes(Settings settings) throws java.io.IOException {
        this.settings = settings;
        this.ports = List.copyOf(LoopbackPorts.free(settings.nodes()));
    }

    public int count() {
        return settings.nodes();
    }

    /** Node {@code node}'s cluster address, as the answers it decides name it. */
    public String address(int node) {
        return "pekko://custody@127.0.0.1:" + ports.get(node);
    }

    public Path socket(int node) {
        return settings.workDir().resolve("node" + node + ".sock");
    }

    public Path log(int node) {
        return settings.workDir().resolve("node" + node + ".log");
    }

    /**
     * Starts node {@code n} and waits for its socket, which it creates once it is an up member. A node
     * started again while the others run gets the seed list with itself last: the first seed node of
     * its own list forms a cluster of its own when no other seed answers within Pekko's {@code
     * seed-node-timeout} (5 s), which a busy machine can miss, while any other node only ever joins.
     */
    public Process start(int n, boolean again) throws Exception {
        Files.deleteIfExists(socket(n));
        List<String> seeds =
                new ArrayList<>(ports.stream().map(p -> "127.0.0.1:" + p).toList());
        if (again) {
            Collections.rotate(seeds, -(n + 1)); // node n+1 first, ..., node n last
        }
        List<String> arguments = List.of(
                "--cluster",
                "--seed-nodes",
                String.join(",", seeds),
                "--cluster-port",
                String.valueOf(ports.get(n)),
                "--cluster-timings",
                settings.timings(),
                "--hosts",
                String.valueOf(settings.hosts()),
                "--fleet-prefix",
                settings.fleetPrefix(),
                "--journal",
                settings.journal().childSpelling(),
                "--topology",
                settings.topology().toString(),
                "--socket",
                socket(n).toString());
        Path log = log(n);
        ProcessBuilder builder = new ProcessBuilder(ChildJvm.command("serve", arguments))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(settings.journal().childEnvironment());
        Process process = builder.start();
        await(
                "node " + n + " to join and create its socket (log: " + log + ")",
                () -> Files.exists(socket(n)) || !process.isAlive());
        if (!process.isAlive()) {
            throw new IllegalStateException("node " + n + " stopped while starting; see " + log);
        }
        return process;
    }

    /** SIGTERM to every node (each leaves the cluster, handing its instances off), SIGKILL after 30 s. */
    public static void stop(List<Process> nodes) throws InterruptedException {
        for (Process node : nodes) {
            node.destroy();
        }
        for (Process node : nodes) {
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        }
    }

    /**
     * Stops the nodes one at a time, the last started first, each leaving the cluster (SIGTERM) and
     * exiting before the next is told to: nodes that all leave at once lose each other half-way and
     * down each other. Returns each node's exit status (SIGKILL after 30 s: 137).
     */
    public static List<Integer> stopInTurn(List<Process> nodes) throws InterruptedException {
        List<Integer> exits = new ArrayList<>(Collections.nCopies(nodes.size(), 0));
        for (int n = nodes.size() - 1; n >= 0; n--) {
            Process node = nodes.get(n);
            node.destroy();
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly();
                node.waitFor(10, TimeUnit.SECONDS);
            }
            exits.set(n, node.isAlive() ? -1 : node.exitValue());
        }
        return exits;
    }

    static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("waited " + BOUND.toSeconds() + " s for " + what);
            }
            Thread.sleep(100); // polling a condition, with a deadline
        }
    }
}
