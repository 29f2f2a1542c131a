package dev.custody.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.custody.api.CustodyRuntime;
import dev.custody.persistence.SchemaCreator;
import dev.custody.server.Policy;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.stream.StreamSupport;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * One node of a Custody cluster: a {@link CustodyRuntime} whose actor system is a cluster member,
 * on the journal every node shares, with the fleet's engines sharded over the members ({@link
 * ClusterEngines}). {@link #close} leaves the cluster gracefully: its instances are handed off (each
 * engine stopped here before it starts elsewhere). A node the others cannot reach is downed by the
 * Split Brain Resolver, and a node that is downed stops itself.
 */
public final class ClusterNode implements AutoCloseable {
    private final CustodyRuntime runtime;
    private final ClusterEngines engines;

    private ClusterNode(CustodyRuntime runtime, ClusterEngines engines) {
        this.runtime = runtime;
        this.engines = engines;
    }

    /**
     * Starts a node: creates the journal's tables when they are missing, starts the runtime as a
     * cluster member (joining through the seed nodes) and the sharded engines. {@code overrides} go in
     * front of everything (tests use it; empty otherwise).
     */
    public static ClusterNode start(
            ClusterSettings settings, Config journal, Fleet fleet, Duration engineTimeout, Config overrides) {
        return start(settings, journal, fleet, engineTimeout, overrides, Policy.ownerOnly());
    }

    /**
     * As {@link #start(ClusterSettings, Config, Fleet, Duration, Config)}, with the access policy of the
     * clients of every node's control socket ({@link ClusterControlSocket}): the same on every node.
     */
    public static ClusterNode start(
            ClusterSettings settings,
            Config journal,
            Fleet fleet,
            Duration engineTimeout,
            Config overrides,
            Policy policy) {
        SchemaCreator.createIfMissing(journal.withFallback(ConfigFactory.load()));
        CustodyRuntime runtime = CustodyRuntime.start(overrides
                .withFallback(settings.config())
                .withValue(JoinCheck.FLEET, com.typesafe.config.ConfigValueFactory.fromAnyRef(fleet.fingerprint()))
                .withFallback(journal));
        try {
            return new ClusterNode(runtime, ClusterEngines.start(runtime, fleet, engineTimeout, policy));
        } catch (RuntimeException failed) {
            runtime.close();
            throw failed;
        }
    }

    public ClusterEngines engines() {
        return engines;
    }

    public CustodyRuntime runtime() {
        return runtime;
    }

    /** This node's address: {@code pekko://custody@HOST:PORT}. */
    public String address() {
        return engines.node();
    }

    /** How many members this node sees as up (itself included). */
    public int membersUp() {
        var members = Cluster.get(runtime.actorSystem()).state().getMembers();
        return (int) StreamSupport.stream(members.spliterator(), false)
                .filter(member -> member.status() == MemberStatus.up())
                .count();
    }

    /** Completes once this node is an up member of the cluster (it joined through a seed node, or formed it). */
    public CompletionStage<Void> up() {
        java.util.concurrent.CompletableFuture<Void> up = new java.util.concurrent.CompletableFuture<>();
        org.apache.pekko.cluster.Cluster.get(
                        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(runtime.actorSystem()))
                .registerOnMemberUp(() -> up.complete(null));
        return up;
    }

    /** Completes when this node's actor system has terminated: after {@link #close}, or once it was downed. */
    public CompletionStage<?> terminated() {
        return runtime.actorSystem().getWhenTerminated();
    }

    /** Leaves the cluster (its instances handed off to the others) and stops. */
    @Override
    public void close() {
        runtime.close();
    }
}
