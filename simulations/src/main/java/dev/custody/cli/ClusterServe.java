package dev.custody.cli;

import com.typesafe.config.ConfigFactory;
import dev.custody.api.HeapNeed;
import dev.custody.cluster.ClusterNode;
import dev.custody.cluster.ClusterSettings;
import dev.custody.cluster.ClusterSocket;
import dev.custody.cluster.Fleet;
import dev.custody.model.Topology;
import dev.custody.persistence.JournalCredentials;
import dev.custody.persistence.JournalSpec;
import dev.custody.server.TopologySources;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code custody serve --cluster}: one node of a cluster whose fleet of engine instances is sharded over
 * its nodes, on the PostgreSQL journal they share, with a request socket that routes each line to the
 * node holding its instance (docs/cluster.md).
 */
final class ClusterServe {
    private final ServeCommand options;

    /** How long a node may take to join; the request socket is created only once it has. */
    static final Duration JOIN_WAIT = Duration.ofSeconds(120);

    ClusterServe(ServeCommand options) {
        this.options = options;
    }

    int run() throws Exception {
        ClusterSettings settings;
        JournalSpec spec;
        Fleet fleet;
        try {
            if (options.live || options.accessPolicy != null || options.state != null || options.metricsPort != null) {
                throw new IllegalArgumentException("--host, --access-policy, --state and --metrics-port are not"
                        + " available to a cluster node yet (docs/cluster.md)");
            }
            if (options.seedNodes == null) {
                throw new IllegalArgumentException(
                        "--cluster needs --seed-nodes HOST:PORT,... (the same on every node)");
            }
            if (!options.journal.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("a cluster's journal is shared by every node: --journal must be a"
                        + " jdbc:postgresql: URL, not " + JournalCredentials.redacted(options.journal));
            }
            spec = JournalSpec.parse(options.journal);
            Topology machine =
                    options.topology != null ? TopologySources.scenarioFile(options.topology) : options.loadHost();
            Optional<String> tooLarge = HeapNeed.refusal(machine, true);
            if (tooLarge.isPresent()) {
                throw new IllegalArgumentException(tooLarge.get());
            }
            fleet = Fleet.numbered("host", options.hosts, machine);
            List<String> seeds = ClusterSettings.parseSeedNodes(options.seedNodes);
            // every node must name the same database; the password is never part of what they compare
            String journalIdentity =
                    JournalCredentials.redacted(JournalCredentials.withoutPasswordFile(options.journal));
            settings = ClusterSettings.of(options.clusterHost, options.clusterPort, seeds, journalIdentity);
        } catch (RuntimeException | java.io.IOException bad) {
            System.err.println("custody serve: " + bad.getMessage());
            return 2;
        }
        com.typesafe.config.Config extra;
        try {
            extra = options.clusterConfig == null
                    ? ConfigFactory.empty()
                    : ConfigFactory.parseFile(
                            options.clusterConfig.toFile(),
                            com.typesafe.config.ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException bad) {
            System.err.println("custody serve: --cluster-config: " + bad.getMessage());
            return 2;
        }
        Duration timeout = Duration.ofSeconds(60);
        ClusterNode node;
        ClusterSocket socket;
        try {
            // SIGTERM runs our hook, which leaves the cluster: Pekko must not stop itself on the same signal
            node = ClusterNode.start(
                    settings,
                    spec.config(),
                    fleet,
                    timeout,
                    ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off")
                            .withFallback(extra));
        } catch (RuntimeException failed) {
            System.err.println("custody serve: cannot start the cluster node: " + failed.getMessage());
            return 1;
        }
        try {
            node.up().toCompletableFuture().get(JOIN_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException late) {
            System.err.println("custody serve: " + settings.address() + " did not join the cluster through "
                    + settings.seedNodes() + " within " + JOIN_WAIT.toSeconds() + " s (is the first seed node"
                    + " running? docs/cluster.md)");
            node.close();
            return 1;
        }
        try {
            socket = ClusterSocket.start(options.socket, node.engines(), timeout);
        } catch (java.io.IOException failed) {
            System.err.println("custody serve: " + failed.getMessage());
            node.close();
            return 1;
        }
        java.util.concurrent.atomic.AtomicBoolean leaving = new java.util.concurrent.atomic.AtomicBoolean();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            leaving.set(true);
                            socket.close();
                            node.close(); // leaves: its instances are handed off to the other nodes
                        },
                        "custody-serve-shutdown"));
        System.err.println("custody serve: cluster node " + settings.address() + " ready on " + options.socket
                + " (" + fleet.instances().size() + " instances, seed nodes " + settings.seedNodes() + ", journal "
                + spec.redacted() + ")");
        node.terminated().toCompletableFuture().join();
        socket.close();
        if (leaving.get()) {
            return 0;
        }
        // downed (the Split Brain Resolver found it on the minority side) or refused when it joined
        System.err.println("custody serve: the cluster node " + settings.address() + " was stopped by the cluster"
                + " (downed, or refused when joining: see the log above)");
        return 1;
    }
}
