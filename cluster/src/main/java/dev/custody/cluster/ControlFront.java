package dev.custody.cluster;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * The node end of one client of a cluster node's control socket ({@link ClusterControlSocket}): an
 * actor that takes the lines the instance's entity sends for the client, wherever that entity runs,
 * and queues them for the connection's writer. It watches the entity: when the instance stops or its
 * node leaves, the client is told and its connection ends, as when a single server restarts.
 */
final class ControlFront {
    private ControlFront() {}

    /** What the actor receives: {@link ControlReply}, and its own connection's news. */
    public interface Message {}

    /** The client closed its end (or broke a limit): its session closes after what it already sent. */
    enum ClientGone implements Message {
        INSTANCE
    }

    /** The entity did not answer in time: the session is given up. */
    private record GiveUp(String why) implements Message {}

    /** Where the client's lines go, and the end of them. */
    interface Sink {
        /** False when the client has not taken what was given before: the session then ends. */
        boolean offer(String line);

        /** No more lines: the client's connection (or session) is over. */
        void end();
    }

    /** The lines for the connection's writer; {@link #END} ends it. */
    static final class Outbox implements Sink {
        static final String END = "";
        private final BlockingQueue<String> lines;

        Outbox(int capacity) {
            this.lines = new ArrayBlockingQueue<>(capacity);
        }

        @Override
        public boolean offer(String line) {
            return lines.offer(line);
        }

        /** Ends the writer after what is queued (the writer's queue is bounded: then it ends at once). */
        @Override
        public void end() {
            if (!lines.offer(END)) {
                lines.clear();
                lines.offer(END);
            }
        }

        String take() throws InterruptedException {
            return lines.take();
        }
    }

    static Behavior<Message> create(
            String instance, String session, EntityRef<EngineShard.Message> entity, Sink out, Duration timeout) {
        return Behaviors.withTimers(timers -> Behaviors.setup(context -> {
            ActorRef<ControlReply> self = context.getSelf().narrow();
            timers.startSingleTimer(
                    new GiveUp("engine " + instance + " did not open this connection's session within "
                            + timeout.toSeconds() + " s; connect again"),
                    timeout);
            return Behaviors.receive(Message.class)
                    .onMessage(ControlReply.Opened.class, opened -> {
                        timers.cancelAll();
                        context.watchWith(
                                opened.entity(),
                                new ControlReply.Ended(Sessions.error(
                                        "ESHUTDOWN",
                                        "engine " + instance + " stopped on " + opened.node()
                                                + " (its node left the cluster, or the instance moved):"
                                                + " connect again to reach it where it runs next")));
                        return Behaviors.same();
                    })
                    .onMessage(ControlReply.Line.class, line -> {
                        if (!out.offer(line.text())) {
                            entity.tell(new EngineShard.CloseSession(session, self));
                            out.end();
                            return Behaviors.stopped();
                        }
                        return Behaviors.same();
                    })
                    .onMessage(ControlReply.Ended.class, ended -> {
                        if (!ended.line().isEmpty()) {
                            out.offer(ended.line());
                        }
                        out.end();
                        return Behaviors.stopped();
                    })
                    .onMessage(ClientGone.class, gone -> {
                        entity.tell(new EngineShard.CloseSession(session, self));
                        timers.startSingleTimer(new GiveUp(""), timeout);
                        return Behaviors.same();
                    })
                    .onMessage(GiveUp.class, giveUp -> {
                        if (!giveUp.why().isEmpty()) {
                            out.offer(Sessions.error("ETIMEDOUT", giveUp.why()));
                        }
                        entity.tell(new EngineShard.CloseSession(session, self));
                        out.end();
                        return Behaviors.stopped();
                    })
                    .onSignal(Terminated.class, t -> Behaviors.same())
                    .build();
        }));
    }
}
