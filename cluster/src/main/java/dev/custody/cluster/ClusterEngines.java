package dev.custody.cluster;

import dev.custody.api.CustodyRuntime;
import dev.custody.entity.CommandText;
import dev.custody.entity.JournalTrouble;
import dev.custody.model.Command;
import dev.custody.server.PeerCredentials;
import dev.custody.server.Policy;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The engines of a fleet, reached from any node of the cluster: a request names its instance, and
 * Cluster Sharding carries it to the node that runs that instance's engine, starting it there (from
 * the shared journal) when no node does. Every node starts this once, on its own runtime, with the same
 * fleet; the node then also hosts its share of the instances ({@link EngineShard}).
 */
public final class ClusterEngines {
    private final ClusterSharding sharding;
    private final Fleet fleet;
    private final String node;
    private final EngineTally tally;
    private final ActorSystem<?> system;

    private ClusterEngines(
            ClusterSharding sharding, Fleet fleet, String node, EngineTally tally, ActorSystem<?> system) {
        this.system = system;
        this.sharding = sharding;
        this.fleet = fleet;
        this.node = node;
        this.tally = tally;
    }

    /** Joins the sharded engine type on {@code runtime}, whose actor system is a cluster node. */
    public static ClusterEngines start(CustodyRuntime runtime, Fleet fleet, Duration engineTimeout) {
        return start(runtime, fleet, engineTimeout, Policy.ownerOnly());
    }

    /**
     * As {@link #start(CustodyRuntime, Fleet, Duration)}, with the access policy of the control
     * sockets' clients ({@link ClusterControlSocket}); every node must be given the same one.
     */
    public static ClusterEngines start(CustodyRuntime runtime, Fleet fleet, Duration engineTimeout, Policy policy) {
        ActorSystem<?> system = runtime.actorSystem();
        String node = Cluster.get(system).selfMember().address().toString();
        ClusterSharding sharding = ClusterSharding.get(system);
        EngineTally tally = new EngineTally();
        JournalHealth journal = new JournalHealth();
        // an engine's coordinator says when its journal failed, even a write no caller waits for
        ActorRef<JournalTrouble> listener = system.systemActorOf(
                Behaviors.receive(JournalTrouble.class)
                        .onMessage(JournalTrouble.class, trouble -> {
                            journal.failed("engine " + trouble.instance() + " could not use its journal ("
                                    + trouble.cause() + ")");
                            return Behaviors.same();
                        })
                        .build(),
                "custody-journal-health",
                Props.empty());
        system.eventStream().tell(new EventStream.Subscribe<>(JournalTrouble.class, listener));
        sharding.init(Entity.of(EngineShard.TYPE, context -> {
                    String instance = context.getEntityId();
                    return fleet.topology(instance)
                            .map(topology -> EngineShard.create(
                                    runtime, instance, topology, engineTimeout, node, tally, policy, journal))
                            .orElseGet(() -> EngineShard.unknown(fleet.unknown(instance), node));
                })
                .withStopMessage(EngineShard.Passivate.INSTANCE));
        return new ClusterEngines(sharding, fleet, node, tally, system);
    }

    /**
     * Decides {@code command} on engine {@code instance}, wherever it runs, as sent by {@code caller}
     * under {@code operationId} (empty: the engine makes one up, and a retry may be decided twice).
     * Completes with the answer once it is on stable storage in the shared journal; fails with {@link
     * UnknownInstanceException} for an instance the fleet does not hold, and with {@link
     * EngineUnavailableException} when no answer came (retry under the same operation id).
     */
    public CompletionStage<ShardReply.Answered> decide(
            String instance, Command<?> command, String caller, String operationId, Duration timeout) {
        if (fleet.topology(instance).isEmpty()) {
            return CompletableFuture.failedFuture(new UnknownInstanceException(fleet.unknown(instance)));
        }
        if (caller.isBlank()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("a caller needs a name"));
        }
        String text = CommandText.write(command);
        return sharding.entityRefFor(EngineShard.TYPE, instance)
                .<ShardReply>ask(replyTo -> new EngineShard.Decide(text, caller, operationId, replyTo), timeout)
                .handle((reply, failure) -> {
                    if (failure != null) {
                        Throwable cause =
                                failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                                        ? c.getCause()
                                        : failure;
                        throw new EngineUnavailableException(
                                cause instanceof TimeoutException
                                        ? "no answer from engine " + instance + " within " + timeout.toMillis()
                                                + " ms (its node may have died; the instance moves to a"
                                                + " survivor): retry under the same operation id"
                                        : "engine " + instance + ": " + EngineShard.messageOf(cause),
                                cause);
                    }
                    return switch (reply) {
                        case ShardReply.Answered answered -> answered;
                        case ShardReply.Failed failed -> throw new EngineUnavailableException(failed.message());
                    };
                });
    }

    /**
     * A session of docs/protocol.md with engine {@code instance}, wherever it runs, for a client
     * {@code peer} of this program (its user: the owner, whom the policy lets do everything), as a
     * connection to a node's control socket is one. {@code lines} gets the greeting, then the
     * answers in request order and the events, on Pekko's threads; {@code ended} runs once the
     * session is over (closed, or its instance moved: then the last line said so). Fails with {@link
     * UnknownInstanceException} for an instance the fleet does not hold.
     */
    public ControlSession control(
            String instance, PeerCredentials peer, Consumer<String> lines, Runnable ended, Duration timeout) {
        if (!holds(instance)) {
            throw new UnknownInstanceException(fleet.unknown(instance));
        }
        ControlFront.Sink sink = new ControlFront.Sink() {
            @Override
            public boolean offer(String line) {
                lines.accept(line);
                return true;
            }

            @Override
            public void end() {
                ended.run();
            }
        };
        return ControlSession.open(this, instance, peer, System.getProperty("user.name"), sink, timeout);
    }

    /** The entity of {@code instance}, wherever it runs; started there by the first message. */
    EntityRef<EngineShard.Message> entity(String instance) {
        return sharding.entityRefFor(EngineShard.TYPE, instance);
    }

    /** Whether the fleet holds {@code instance}. */
    boolean holds(String instance) {
        return fleet.topology(instance).isPresent();
    }

    ActorSystem<?> system() {
        return system;
    }

    /** The refusal of a request for an instance outside the fleet. */
    String unknown(String instance) {
        return fleet.unknown(instance);
    }

    public Set<String> instances() {
        return fleet.instances();
    }

    /** How many engines run on this node now: started by a request, gone once passivated or moved. */
    public int runningHere() {
        return tally.running();
    }

    /** How many engine starts this node made (a passivated instance woken again counts again). */
    public long startedHere() {
        return tally.started();
    }

    /** This node's address, as the answers of the instances it holds name it. */
    public String node() {
        return node;
    }
}
