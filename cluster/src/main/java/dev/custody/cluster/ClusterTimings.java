package dev.custody.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Locale;

/**
 * How soon a cluster calls a silent node dead and moves its instances, as Pekko settings: one named
 * profile for real networks ({@link #NETWORK}, the default) and one for nodes on one machine ({@link
 * #LOOPBACK}: tests, {@code cluster-test}). docs/cluster.md ("Timings") explains each value.
 *
 * <p>A dead node's instances answer again after about: detection ({@code heartbeatPause} plus a
 * heartbeat) + {@code stableAfter} (the Split Brain Resolver's wait, then its next 1 s tick) + the
 * leader's removal + {@code removalMargin} + the shard's allocation and the engine's recovery. Only
 * {@code removalMargin} keeps a downed node's engines and their successors apart: it is the time the
 * downed side has to down itself and stop, so it must cover how much later that side may notice
 * (the spread of failure detection, one resolver tick) plus its stopping. It is never shorter than
 * {@code stableAfter}, as Pekko's own default ({@code down-removal-margin = stable-after}) has it.
 *
 * @param name how the command line names the profile
 * @param heartbeatInterval how often a node heartbeats the nodes it monitors
 * @param heartbeatPause how long a node may be silent before the others call it unreachable
 * @param stableAfter how long the membership must be unchanged before the Split Brain Resolver downs
 *     the nodes it cannot reach (and a node that cannot reach a majority downs itself)
 * @param removalMargin how long after a node was downed and removed its shards (and the shard
 *     coordinator, when it was the oldest) may start on another node: Pekko's {@code
 *     down-removal-margin}
 * @param housekeeping how often the leader acts on the membership (removes downed nodes), nodes
 *     gossip it, and the failure detector's verdicts are collected
 * @param shardRetry how soon a shard region asks the coordinator again for the home of a shard it
 *     holds requests for (after that shard's node died): Cluster Sharding's {@code retry-interval}
 * @param coordinatorStateTimeout how long the shard coordinator waits for its state to be written to
 *     (or read from) the other nodes before it tries again: {@code updating-state-timeout} (and {@code
 *     waiting-for-state-timeout}, at most 2 s). A write that began while a node was unreachable cannot
 *     complete until that node is removed, and the coordinator allocates nothing until it does
 */
public record ClusterTimings(
        String name,
        Duration heartbeatInterval,
        Duration heartbeatPause,
        Duration stableAfter,
        Duration removalMargin,
        Duration housekeeping,
        Duration shardRetry,
        Duration coordinatorStateTimeout) {

    /**
     * Real networks: a node may be silent 3 s (a GC pause, a busy machine) and the membership must be
     * still for 7 s before anyone is downed (Pekko's defaults are 3 s and 20 s); the margin is the
     * resolver's wait. The shard region asks again every second rather than Pekko's 2 s, which costs
     * one small message per waiting shard and weakens nothing. The coordinator's state timeouts are
     * Pekko's (5 s and 2 s): a write held up by an unreachable node retries within the 7 s margin.
     */
    public static final ClusterTimings NETWORK = new ClusterTimings(
            "network",
            Duration.ofSeconds(1),
            Duration.ofSeconds(3),
            Duration.ofSeconds(7),
            Duration.ofSeconds(7),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            Duration.ofSeconds(5));

    /**
     * Nodes on one machine (127.0.0.1), where a message takes microseconds and a node that is silent
     * for over a second is dead or starved: heartbeats every 250 ms, 1.5 s of silence allowed, 1 s of
     * stable membership. The margin stays at 2 s: a downed node notices at most about one heartbeat
     * and one collection later than the others, decides on the resolver's next tick (at most 1 s
     * later than they did), and then stops its engines in milliseconds (its shard region stops when
     * the node is downed). The coordinator retries a held-up state write after 1 s, not after 5 s,
     * which would outlast the margin. Never for nodes on different machines: a pause of 1.5 s is an
     * ordinary hiccup there.
     */
    public static final ClusterTimings LOOPBACK = new ClusterTimings(
            "loopback",
            Duration.ofMillis(250),
            Duration.ofMillis(1500),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofMillis(250),
            Duration.ofMillis(250),
            Duration.ofSeconds(1));

    public ClusterTimings {
        for (Duration d : new Duration[] {
            heartbeatInterval,
            heartbeatPause,
            stableAfter,
            removalMargin,
            housekeeping,
            shardRetry,
            coordinatorStateTimeout
        }) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("cluster timings are positive durations, not " + d);
            }
        }
        if (removalMargin.compareTo(stableAfter) < 0) {
            throw new IllegalArgumentException("the removal margin (" + removalMargin.toMillis()
                    + " ms) is the downed side's time to stop: never shorter than stable-after ("
                    + stableAfter.toMillis() + " ms)");
        }
        if (heartbeatPause.compareTo(heartbeatInterval) <= 0) {
            throw new IllegalArgumentException("the heartbeat pause must be longer than the heartbeat interval");
        }
    }

    /** The profile named {@code network} or {@code loopback}, as the command line takes it. */
    public static ClusterTimings named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "network" -> NETWORK;
            case "loopback" -> LOOPBACK;
            default ->
                throw new IllegalArgumentException(
                        "cluster timings are \"network\" or \"loopback\" (nodes on one machine), not \"" + name + "\"");
        };
    }

    /** These timings as Pekko settings. */
    Config config() {
        return ConfigFactory.parseString("""
                pekko.cluster {
                  failure-detector.heartbeat-interval = %s
                  failure-detector.acceptable-heartbeat-pause = %s
                  # the first heartbeat answer is awaited this long before the silence counts
                  failure-detector.expected-response-after = %s
                  split-brain-resolver.stable-after = %s
                  down-removal-margin = %s
                  gossip-interval = %s
                  leader-actions-interval = %s
                  unreachable-nodes-reaper-interval = %s
                  sharding.retry-interval = %s
                  sharding.updating-state-timeout = %s
                  sharding.waiting-for-state-timeout = %s
                }
                """.formatted(
                        ms(heartbeatInterval),
                        ms(heartbeatPause),
                        ms(heartbeatInterval),
                        ms(stableAfter),
                        ms(removalMargin),
                        ms(housekeeping),
                        ms(housekeeping),
                        ms(housekeeping),
                        ms(shardRetry),
                        ms(coordinatorStateTimeout),
                        ms(min(coordinatorStateTimeout, Duration.ofSeconds(2)))));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String ms(Duration d) {
        return d.toMillis() + "ms";
    }
}
