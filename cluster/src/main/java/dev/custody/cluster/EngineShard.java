package dev.custody.cluster;

import com.typesafe.config.Config;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandText;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.rules.Decision;
import dev.custody.server.InstanceControl;
import dev.custody.server.Policy;
import dev.custody.server.ServerSettings;
import dev.custody.server.StateRecords;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * One engine instance as a Cluster Sharding entity: it starts the engine (its coordinator and entity
 * actors, all on this node's {@link CustodyRuntime}) when it starts, hands it every request, and stops
 * it before it stops itself, on passivation and on a shard's handoff to another node.
 *
 * <p>Why an instance never has two writers: Cluster Sharding runs an entity on one node at a time,
 * and starts it elsewhere only after the shard's old home handed it off (this behaviour completes
 * {@link EngineAdmin#stop} first, so every write of the engine is done) or after that node was downed
 * and removed, which the Split Brain Resolver does only to a node that cannot reach a majority and so
 * downs itself as well (docs/cluster.md). A request that arrives while the engine starts waits for it.
 */
public final class EngineShard {
    private EngineShard() {}

    /** The entity type; its entity id is the instance name. */
    public static final EntityTypeKey<Message> TYPE = EntityTypeKey.create(Message.class, "custody-engine");

    /** How many requests may wait while the engine starts (recovery of a large journal takes a while). */
    static final int WAITING_REQUESTS = 10_000;

    public sealed interface Message {}

    /**
     * Decide a command ({@link CommandText}) as {@code caller}, under the caller's operation id when it
     * is not empty: a retry under the same id (after a node died, say) gets the first answer, never a
     * second decision, whichever node answers it.
     */
    public record Decide(String command, String caller, String operationId, ActorRef<ShardReply> replyTo)
            implements Message, ClusterMessage {}

    /**
     * Open a control session (docs/protocol.md) for a client that connected to {@code front}'s node,
     * as the kernel of that node recorded it ({@code user}, {@code group}), on a socket that belongs to
     * {@code socketOwner}: the instance's policy decides what it may do. Its lines go to {@code front}.
     */
    public record OpenSession(
            String session, String user, String group, String socketOwner, ActorRef<ControlReply> front)
            implements Message, ClusterMessage {}

    /** One request line of session {@code session}, answered to {@code front} after the ones before it. */
    public record SessionLine(String session, String line, ActorRef<ControlReply> front)
            implements Message, ClusterMessage {}

    /** The client left: its files are closed in order, then {@code front} hears {@link ControlReply.Ended}. */
    public record CloseSession(String session, ActorRef<ControlReply> front) implements Message, ClusterMessage {}

    /** Sharding's stop message: passivation of an idle instance, or a handoff. Never sent across nodes. */
    enum Passivate implements Message {
        INSTANCE
    }

    private record Started(EngineAdmin admin, InstanceControl control) implements Message {}

    /** A session's front stopped (its node left, or it ended without a word): the session ends too. */
    private record FrontGone(String session) implements Message {}

    private record NotStarted(Throwable cause) implements Message {}

    private record Done(long request, Decision decision, Throwable failure) implements Message {}

    /** While the journal fails: time to refuse the requests that waited longer than {@link #JOURNAL_DOWN_WAIT}. */
    private enum Overdue implements Message {
        CHECK
    }

    /**
     * How long a request waits for its answer while this node's journal fails ({@link JournalHealth}:
     * an engine of the node could not write to or recover from it, and none has since). A coordinator
     * whose write failed restarts from its journal, and the requests sent meanwhile wait in its stash
     * until the journal answers again, which may be long after its callers gave up: they are refused
     * instead, naming the journal, and the engine decides them once the journal is back (a retry under
     * the same operation id gets that answer).
     */
    static final Duration JOURNAL_DOWN_WAIT = Duration.ofSeconds(2);

    private record EngineStopped(boolean cleanly) implements Message {}

    /** The entity of {@code instance}; {@code node} is this node's address, given with every answer. */
    static Behavior<Message> create(
            CustodyRuntime runtime,
            String instance,
            Topology topology,
            Duration timeout,
            String node,
            EngineTally tally,
            Policy policy,
            JournalHealth journal) {
        return Behaviors.withStash(
                WAITING_REQUESTS,
                stash -> Behaviors.withTimers(timers -> Behaviors.setup(context -> {
                    long startedAt = System.nanoTime();
                    ServerSettings control = ServerSettings.of(Path.of(""), instance, topology)
                            .withPolicy(policy)
                            .withEngineTimeout(timeout);
                    Config config = runtime.actorSystem().settings().config();
                    context.pipeToSelf(
                            EngineAdmin.start(runtime, instance, topology, timeout)
                                    .thenCompose(admin -> startControl(
                                            admin,
                                            control,
                                            node,
                                            () -> ControlStateTable.of(config, instance, timeout)
                                                    .orElseGet(StateRecords::none))),
                            (started, failure) -> failure == null ? started : new NotStarted(failure));
                    timers.startTimerWithFixedDelay(Overdue.CHECK, JOURNAL_DOWN_WAIT.dividedBy(4));
                    return new EngineShard.Run(context, stash, timers, instance, node, tally, journal, startedAt)
                            .starting();
                })));
    }

    /** The protocol's service over the started engine, started off the actor's thread (it waits for the engine). */
    private static CompletionStage<Started> startControl(
            EngineAdmin admin, ServerSettings settings, String node, Supplier<StateRecords> state) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return new Started(
                                admin, InstanceControl.start(settings, admin, Optional.of(node), state.get()));
                    } catch (Exception failed) {
                        admin.halt();
                        throw new CompletionException(failed);
                    }
                },
                work -> Thread.ofVirtual().name("custody-control-start").start(work));
    }

    /** The entity of an instance the fleet does not hold: refuses every request, then stops. */
    static Behavior<Message> unknown(String refusal, String node) {
        return Behaviors.receive(Message.class)
                .onMessage(Decide.class, decide -> {
                    decide.replyTo().tell(new ShardReply.Failed(refusal, node));
                    return Behaviors.stopped();
                })
                .onMessage(OpenSession.class, open -> {
                    open.front().tell(new ControlReply.Ended(Sessions.error("ENOENT", refusal)));
                    return Behaviors.stopped();
                })
                .onMessage(SessionLine.class, line -> {
                    line.front().tell(new ControlReply.Ended(Sessions.error("ENOENT", refusal)));
                    return Behaviors.stopped();
                })
                .onMessage(Passivate.class, passivate -> Behaviors.stopped())
                .onMessage(Message.class, other -> Behaviors.stopped())
                .build();
    }

    private static final class Run {
        private final ActorContext<Message> context;
        private final StashBuffer<Message> stash;
        private final TimerScheduler<Message> timers;
        private final String instance;
        private final String node;
        private final EngineTally tally;
        private final JournalHealth journal;
        private final long startedAt;
        private EngineAdmin admin;
        private Sessions sessions;
        private boolean engineStopped;
        /** The requests handed to the engine and not answered yet, by number, with when they came. */
        private final java.util.Map<Long, Pending> pending = new java.util.HashMap<>();

        private long requests;

        private record Pending(ActorRef<ShardReply> replyTo, long sinceNanos) {}

        Run(
                ActorContext<Message> context,
                StashBuffer<Message> stash,
                TimerScheduler<Message> timers,
                String instance,
                String node,
                EngineTally tally,
                JournalHealth journal,
                long startedAt) {
            this.context = context;
            this.tally = tally;
            this.journal = journal;
            this.timers = timers;
            this.startedAt = startedAt;
            this.stash = stash;
            this.instance = instance;
            this.node = node;
        }

        Behavior<Message> starting() {
            return Behaviors.receive(Message.class)
                    .onMessage(Started.class, started -> {
                        timers.cancel(Overdue.CHECK);
                        journal.works(); // it recovered from the journal
                        admin = started.admin();
                        sessions = new Sessions(started.control(), context.getSelf(), instance, node);
                        tally.start();
                        // a handoff's last step: how long recovery from the journal took here
                        context.getLog()
                                .info(
                                        "engine {} started on {} in {} ms, {} request(s) waiting",
                                        instance,
                                        node,
                                        java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(
                                                System.nanoTime() - startedAt),
                                        stash.size());
                        // it serves on without them, as a single server does; their decisions stay open
                        started.control()
                                .stuckAtStart()
                                .forEach(stuck -> context.getLog()
                                        .warn("engine {} started on {} with {}", instance, node, stuck.describe()));
                        return stash.unstashAll(running());
                    })
                    .onMessage(NotStarted.class, failed -> {
                        String why =
                                "engine " + instance + " could not start on " + node + ": " + messageOf(failed.cause());
                        context.getLog().warn(why);
                        stash.forEach(waiting -> refuse(waiting, why));
                        stash.clear();
                        return Behaviors.stopped(); // the next request starts it again
                    })
                    .onMessage(Overdue.class, this::refuseWaitingForTheJournal)
                    .onMessage(Message.class, waiting -> {
                        if (stash.isFull()) {
                            refuse(
                                    waiting,
                                    "engine " + instance + " is starting on " + node + " and already has "
                                            + WAITING_REQUESTS + " requests waiting; retry");
                        } else {
                            stash.stash(waiting);
                        }
                        return Behaviors.same();
                    })
                    .build();
        }

        Behavior<Message> running() {
            return Behaviors.receive(Message.class)
                    .onMessage(Decide.class, this::decide)
                    .onMessage(Done.class, this::answer)
                    .onMessage(Overdue.class, this::refuseOverdue)
                    .onMessage(OpenSession.class, open -> {
                        context.watchWith(open.front(), new FrontGone(open.session()));
                        sessions.open(open);
                        return Behaviors.same();
                    })
                    .onMessage(SessionLine.class, line -> {
                        sessions.line(line);
                        return Behaviors.same();
                    })
                    .onMessage(CloseSession.class, close -> {
                        context.unwatch(close.front());
                        sessions.close(close.session(), close.front());
                        return Behaviors.same();
                    })
                    .onMessage(FrontGone.class, gone -> {
                        sessions.close(gone.session(), null);
                        return Behaviors.same();
                    })
                    .onMessage(Passivate.class, passivate -> {
                        // as a single server on SIGTERM: each client is told, its files are closed, then the engine
                        // stops
                        context.pipeToSelf(
                                sessions.closeAll().thenCompose(closed -> admin.stop()),
                                (last, failure) -> new EngineStopped(failure == null));
                        return stopping();
                    })
                    .onSignal(PostStop.class, stop -> halt())
                    .build();
        }

        /** Answers the decisions still under way, then stops once the engine has. */
        private Behavior<Message> stopping() {
            return Behaviors.receive(Message.class)
                    .onMessage(Done.class, this::answer)
                    .onMessage(Overdue.class, this::refuseOverdue)
                    .onMessage(EngineStopped.class, stopped -> {
                        engineStopped = stopped.cleanly(); // else PostStop halts what is left
                        return Behaviors.stopped();
                    })
                    .onMessage(Decide.class, decide -> {
                        refuse(decide, "engine " + instance + " is moving off " + node + "; retry");
                        return Behaviors.same();
                    })
                    .onMessage(Message.class, session -> {
                        refuse(session, "engine " + instance + " is moving off " + node + "; connect again");
                        return Behaviors.same();
                    })
                    .onSignal(PostStop.class, stop -> halt())
                    .build();
        }

        private Behavior<Message> decide(Decide decide) {
            Command<?> command;
            try {
                command = CommandText.read(decide.command());
            } catch (IllegalArgumentException bad) {
                decide.replyTo().tell(new ShardReply.Failed(bad.getMessage(), node));
                return Behaviors.same();
            }
            EngineAdmin as = admin.as(decide.caller());
            var decided =
                    decide.operationId().isEmpty() ? as.decide(command) : as.decide(command, decide.operationId());
            long request = ++requests;
            pending.put(request, new Pending(decide.replyTo(), System.nanoTime()));
            if (pending.size() == 1) { // checked while requests wait, in case the journal fails meanwhile
                timers.startTimerWithFixedDelay(Overdue.CHECK, JOURNAL_DOWN_WAIT.dividedBy(4));
            }
            context.pipeToSelf(decided, (decision, failure) -> new Done(request, decision, failure));
            return Behaviors.same();
        }

        private Behavior<Message> answer(Done done) {
            Pending waiting = pending.remove(done.request());
            if (pending.isEmpty()) {
                timers.cancel(Overdue.CHECK);
            }
            if (done.failure() == null) {
                journal.works();
            } else if (messageOf(done.failure()).contains("journal")) {
                // the coordinator's refusal of a write the journal failed (KernelCoordinator.writeFailed)
                journal.failed(messageOf(done.failure()));
            }
            if (waiting == null) {
                return Behaviors.same(); // refused already, as overdue while the journal failed
            }
            waiting.replyTo()
                    .tell(
                            done.failure() == null
                                    ? new ShardReply.Answered(
                                            AnswerRecord.of(done.decision().outcome()), node)
                                    : new ShardReply.Failed(
                                            "engine " + instance + " on " + node + ": " + messageOf(done.failure()),
                                            node));
            return Behaviors.same();
        }

        private Behavior<Message> refuseOverdue(Overdue check) {
            var failing = journal.failing();
            if (failing.isEmpty()) {
                return Behaviors.same();
            }
            long before = System.nanoTime() - JOURNAL_DOWN_WAIT.toNanos();
            var overdue = pending.entrySet().iterator();
            while (overdue.hasNext()) {
                Pending waiting = overdue.next().getValue();
                if (waiting.sinceNanos() < before) {
                    overdue.remove();
                    waiting.replyTo()
                            .tell(new ShardReply.Failed(
                                    "engine " + instance + " on " + node + ": its journal is unavailable (last error: "
                                            + failing.get() + "); no answer within " + JOURNAL_DOWN_WAIT.toMillis()
                                            + " ms, the operation may be decided once the journal is back: retry"
                                            + " under the same operation id (a retry of a request without one may"
                                            + " be decided twice)",
                                    node));
                }
            }
            if (pending.isEmpty()) {
                timers.cancel(Overdue.CHECK);
            }
            return Behaviors.same();
        }

        /**
         * While the engine starts: once it has been starting for {@link #JOURNAL_DOWN_WAIT} and the node's
         * journal is failing (an engine's write or recovery failed, this one's recovery included), the
         * requests and control sessions waiting for the start are refused, naming the journal; the start
         * goes on, and completes once the journal is back.
         */
        private Behavior<Message> refuseWaitingForTheJournal(Overdue check) {
            var failing = journal.failing();
            if (failing.isEmpty() || System.nanoTime() - startedAt < JOURNAL_DOWN_WAIT.toNanos()) {
                return Behaviors.same();
            }
            String why = "engine " + instance + " is starting on " + node + " and the journal is unavailable (last"
                    + " error on this node: " + failing.get() + "); retry under the same operation id";
            List<Message> kept = new ArrayList<>();
            stash.forEach(waiting -> {
                if (waiting instanceof Decide || waiting instanceof OpenSession || waiting instanceof SessionLine) {
                    refuse(waiting, why);
                } else {
                    kept.add(waiting); // a passivation waits for the start, as before
                }
            });
            stash.clear();
            kept.forEach(stash::stash);
            return Behaviors.same();
        }

        /** Stopped other than by passivation (the node shutting down): stop the engine's actors at once. */
        private Behavior<Message> halt() {
            if (sessions != null) {
                sessions.abandon();
            }
            if (admin != null) {
                if (!engineStopped) {
                    admin.halt();
                }
                tally.gone();
            }
            return Behaviors.same();
        }

        private void refuse(Message waiting, String why) {
            switch (waiting) {
                case Decide decide -> decide.replyTo().tell(new ShardReply.Failed(why, node));
                case OpenSession open -> open.front().tell(new ControlReply.Ended(Sessions.error("EAGAIN", why)));
                case SessionLine line -> line.front().tell(new ControlReply.Ended(Sessions.error("EAGAIN", why)));
                case CloseSession close -> close.front().tell(new ControlReply.Ended(""));
                default -> {}
            }
        }
    }

    static String messageOf(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof java.util.concurrent.CompletionException
                        || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }
}
