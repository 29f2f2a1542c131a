package dev.custody.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import java.util.List;

/**
 * One node's place in the cluster, as Pekko configuration: where it listens (Artery TCP), which nodes
 * it joins through, how soon a silent node is downed and its instances move ({@link ClusterTimings}),
 * and when an idle instance passivates.
 *
 * @param hostname the address other nodes reach this one at (and it binds to); 127.0.0.1 in tests
 * @param port the Artery TCP port; every node needs its own reachable port (docs/cluster.md)
 * @param seedNodes {@code HOST:PORT} of the nodes a starting node joins through; the first one forms
 *     the cluster when none runs yet, so give every node the same list in the same order
 * @param journalIdentity the journal every node must share, as it may be shown (no password); a node
 *     whose journal differs is refused when it joins ({@link JoinCheck})
 * @param timings how soon a silent node is downed and its instances move ({@link ClusterTimings}:
 *     {@link ClusterTimings#NETWORK} unless told, {@link ClusterTimings#LOOPBACK} for nodes on one machine)
 * @param passivateAfter how long an instance may go without a request before its engine is stopped;
 *     the next request starts it again from the journal
 */
public record ClusterSettings(
        String hostname,
        int port,
        List<String> seedNodes,
        String journalIdentity,
        ClusterTimings timings,
        Duration passivateAfter) {

    /** The actor system's name, which is part of every node's address; the same on every node. */
    public static final String SYSTEM = "custody";

    public static final Duration DEFAULT_PASSIVATE_AFTER = Duration.ofMinutes(10);

    public ClusterSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("a cluster port is 0 to 65535, not " + port);
        }
        if (seedNodes.isEmpty()) {
            throw new IllegalArgumentException("a cluster node needs at least one seed node (HOST:PORT)");
        }
        java.util.Objects.requireNonNull(timings, "timings");
        seedNodes = List.copyOf(seedNodes);
        seedNodes.forEach(ClusterSettings::checkHostPort);
    }

    public static ClusterSettings of(String hostname, int port, List<String> seedNodes, String journalIdentity) {
        return new ClusterSettings(
                hostname, port, seedNodes, journalIdentity, ClusterTimings.NETWORK, DEFAULT_PASSIVATE_AFTER);
    }

    public ClusterSettings withTimings(ClusterTimings timings) {
        return new ClusterSettings(hostname, port, seedNodes, journalIdentity, timings, passivateAfter);
    }

    public ClusterSettings withPassivateAfter(Duration passivateAfter) {
        return new ClusterSettings(hostname, port, seedNodes, journalIdentity, timings, passivateAfter);
    }

    /** {@code HOST:PORT,HOST:PORT}: how the command line takes seed nodes. */
    public static List<String> parseSeedNodes(String text) {
        List<String> nodes = List.of(text.split(",")).stream()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
        nodes.forEach(ClusterSettings::checkHostPort);
        return nodes;
    }

    private static void checkHostPort(String node) {
        int colon = node.lastIndexOf(':');
        boolean ok = colon > 0 && colon < node.length() - 1;
        if (ok) {
            try {
                int port = Integer.parseInt(node.substring(colon + 1));
                ok = port > 0 && port <= 65535;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new IllegalArgumentException("a seed node is HOST:PORT (e.g. 127.0.0.1:2551), not \"" + node + "\"");
        }
    }

    /** The Pekko configuration of this node: put it in front of the journal's. */
    public Config config() {
        List<String> seeds =
                seedNodes.stream().map(node -> "pekko://" + SYSTEM + "@" + node).toList();
        return ConfigFactory.parseString("""
                        pekko.actor.provider = cluster
                        pekko.remote.artery.transport = tcp
                        pekko.cluster.downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
                        pekko.cluster.split-brain-resolver.active-strategy = keep-majority
                        pekko.cluster.sharding.passivation.strategy = default-idle-strategy
                        # several nodes in one JVM (the tests) would otherwise clash on their MBean names
                        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                        pekko.cluster.log-info = off
                        """)
                .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(hostname))
                .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
                .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
                .withValue(
                        "pekko.cluster.sharding.passivation.default-idle-strategy.idle-entity.timeout",
                        ConfigValueFactory.fromAnyRef(passivateAfter.toMillis() + "ms"))
                .withValue(JoinCheck.JOURNAL, ConfigValueFactory.fromAnyRef(journalIdentity))
                .withValue(JoinCheck.PROTOCOL, ConfigValueFactory.fromAnyRef(JoinCheck.PROTOCOL_VERSION))
                .withFallback(timings.config())
                .withFallback(serialization());
    }

    /** The serializer binding alone (already in this module's reference.conf; repeated so it cannot be lost). */
    static Config serialization() {
        return ConfigFactory.parseString("""
                pekko.actor {
                  serializers { custody-cluster = "%s" }
                  serialization-bindings { "%s" = custody-cluster }
                }
                pekko.cluster.configuration-compatibility-check.checkers { custody-cluster = "%s" }
                """.formatted(
                ClusterMessageSerializer.class.getName(), ClusterMessage.class.getName(), JoinCheck.class.getName()));
    }

    /** This node's address as Pekko writes it: {@code pekko://custody@HOST:PORT}. */
    public String address() {
        return "pekko://" + SYSTEM + "@" + hostname + ":" + port;
    }
}
