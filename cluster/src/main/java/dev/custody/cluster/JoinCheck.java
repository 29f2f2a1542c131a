package dev.custody.cluster;

import com.typesafe.config.Config;
import java.util.List;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Refuses a node that joins with another journal, another fleet, another wire protocol or other
 * downing timings: one on another database would start engines whose journals the others never see
 * (two histories of one host kernel), one with another fleet would refuse or start instances the
 * others route to it, one that speaks another protocol would fail its first request, and one with
 * another {@code stable-after} or {@code down-removal-margin} would break the reckoning that a downed
 * node stops before its instances start elsewhere (docs/cluster.md, "Timings"). Pekko runs it on the joining node's
 * configuration before it lets the node in ({@code pekko.cluster.configuration-compatibility-check}).
 */
public final class JoinCheck extends JoinConfigCompatChecker {
    /** The journal as {@link ClusterSettings#journalIdentity} writes it: never its password. */
    static final String JOURNAL = "custody.cluster.journal";

    /** The fleet's {@link Fleet#fingerprint}: the same instances on every node. */
    static final String FLEET = "custody.cluster.fleet";

    /** Raised when the messages between nodes change in a way an older node cannot read. */
    static final String PROTOCOL = "custody.cluster.protocol";

    static final int PROTOCOL_VERSION = 1;

    /** The Split Brain Resolver's strategy and wait, and the margin before a downed node's shards move. */
    static final List<String> DOWNING = List.of(
            "pekko.cluster.split-brain-resolver.active-strategy",
            "pekko.cluster.split-brain-resolver.stable-after",
            "pekko.cluster.down-removal-margin");

    private static final scala.collection.immutable.Seq<String> KEYS = CollectionConverters.asScala(
                    java.util.stream.Stream.concat(
                                    java.util.stream.Stream.of(JOURNAL, PROTOCOL, FLEET), DOWNING.stream())
                            .toList())
            .toList();

    @Override
    public scala.collection.immutable.Seq<String> requiredKeys() {
        return KEYS;
    }

    @Override
    public ConfigValidation check(Config toCheck, Config actualConfig) {
        return JoinConfigCompatChecker.fullMatch(KEYS, toCheck, actualConfig);
    }
}
