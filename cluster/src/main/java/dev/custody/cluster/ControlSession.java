package dev.custody.cluster;

import dev.custody.server.PeerCredentials;
import java.time.Duration;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * One client of docs/protocol.md for one instance of the fleet, from any node, answered by the node
 * that holds the instance: what a connection to a node's control socket is ({@link
 * ClusterControlSocket}), and what a program embedding a node uses without a socket ({@link
 * ClusterEngines#control}). Its lines (the greeting first, then answers in request order and events)
 * go to a {@link ControlFront.Sink}; its end is the sink's {@code end}.
 */
public final class ControlSession implements AutoCloseable {
    private final String session;
    private final EntityRef<EngineShard.Message> entity;
    private final ActorRef<ControlFront.Message> front;

    private ControlSession(
            String session, EntityRef<EngineShard.Message> entity, ActorRef<ControlFront.Message> front) {
        this.session = session;
        this.entity = entity;
        this.front = front;
    }

    /**
     * Opens a session of {@code peer} with {@code instance}, which the fleet holds, on behalf of a
     * socket or program that belongs to {@code owner} (whom the policy lets do everything).
     */
    static ControlSession open(
            ClusterEngines engines,
            String instance,
            PeerCredentials peer,
            String owner,
            ControlFront.Sink sink,
            Duration timeout) {
        String session = UUID.randomUUID().toString();
        EntityRef<EngineShard.Message> entity = engines.entity(instance);
        ActorRef<ControlFront.Message> front = engines.system()
                .systemActorOf(
                        ControlFront.create(instance, session, entity, sink, timeout),
                        "control-" + session,
                        Props.empty());
        entity.tell(new EngineShard.OpenSession(session, peer.user(), peer.group(), owner, front.narrow()));
        return new ControlSession(session, entity, front);
    }

    /** Sends one request line (without its newline); its answer comes to the sink, after those before it. */
    public void send(String line) {
        if (!line.isBlank()) {
            entity.tell(new EngineShard.SessionLine(session, line, front.narrow()));
        }
    }

    /**
     * Ends the session, as a client closing its connection does: the requests already sent are
     * answered, then its files are closed in order, then the sink's {@code end}.
     */
    @Override
    public void close() {
        front.tell(ControlFront.ClientGone.INSTANCE);
    }
}
