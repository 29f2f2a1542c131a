package dev.custody.entity;

import dev.custody.model.Command;
import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.JournalPersistFailed;
import org.apache.pekko.persistence.typed.JournalPersistRejected;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Decides every operation through the pure rules and makes it durable: the decision is persisted
 * first (intent), then each device, group, domain and file actor persists its part (effect), and
 * only then is the caller answered. One coordinator serializes decisions the way the kernel's locks
 * do, so the actors' answers are the pure model's answers; a decision whose effect a crash cut
 * short is re-driven when the coordinator recovers. Writes are group commits ({@link GroupCommit});
 * which entity owes which confirmation, what is sent again and when, and the order of publication
 * are {@link DecisionDelivery}'s: this class is the actor wiring around the two.
 *
 * <p>A write the journal fails never leaves a caller waiting for its timeout: the callers that write
 * would have answered get an error at once and the coordinator restarts with backoff from its
 * journal; the callers of decisions an entity cannot write get an error once it has failed twice.
 */
public final class KernelCoordinator
        extends EventSourcedBehaviorWithEnforcedReplies<KernelCoordinator.Message, KernelJournal, CoordinatorState> {

    public sealed interface Message {}

    /**
     * Boots the machine on first start; on a journal that exists, checks it belongs to the topology.
     * An error when the boot cannot be written.
     */
    public record Start(Topology topology, ActorRef<StatusReply<Decision>> replyTo) implements Message {}

    /** Decides and journals one command; an error (not a decision) when the engine cannot write it. */
    public record Execute(Command<?> command, String operationId, ActorRef<StatusReply<Decision>> replyTo)
            implements Message {}

    public record GetKernel(ActorRef<Optional<KernelState>> replyTo) implements Message {}

    /**
     * Answers once no decision waits for its entities: what a clean shutdown or a test waits for; an
     * error when a write that must happen first has failed.
     */
    public record AwaitQuiet(ActorRef<StatusReply<Long>> replyTo) implements Message {}

    /** Asks one entity for its own state (recovering it from its journal if it is not running). */
    public record InspectEntity(EntityId entity, ActorRef<EntityState> replyTo) implements Message {}

    /** Every decision made durable from now on is told to the subscriber, in decision order. */
    public record Subscribe(ActorRef<KernelJournal.DecisionTaken> subscriber) implements Message {}

    public record Unsubscribe(ActorRef<KernelJournal.DecisionTaken> subscriber) implements Message {}

    /** Translates an IOVA through a domain actor's real page table. */
    public record TranslateInDomain(dev.custody.model.DomainId domain, long iova, ActorRef<Long> replyTo)
            implements Message {}

    /** The leaves and checksum of a domain actor's real page table, after every decision the model has made. */
    public record DumpDomainTable(dev.custody.model.DomainId domain, ActorRef<Optional<TableDump>> replyTo)
            implements Message {}

    /** Stops the engine's actors; the journal keeps everything for the next start. */
    public record Stop(ActorRef<Long> replyTo) implements Message {}

    private record EntityReported(EntityActor.Report report) implements Message {}

    private record EntityStopped(EntityId entity) implements Message {}

    /** A domain actor's page table answered a read the model had decided (or did not answer in time). */
    private record TableAnswered(
            ActorRef<StatusReply<Decision>> caller,
            Decision modelDecision,
            Optional<Long> paddr,
            Optional<Throwable> failure)
            implements Message {}

    /** How long a page-table read may wait for its domain actor (which may first recover from the journal). */
    static final Duration TABLE_READ_TIMEOUT = Duration.ofSeconds(30);

    /** Sends again the parts still unconfirmed ({@link DecisionDelivery#resendsDue}). */
    private enum Redrive implements Message {
        TICK
    }

    /** Writes what {@link GroupCommit} holds; sent to itself, so it comes after every command already waiting. */
    private enum Flush implements Message {
        NOW
    }

    static final Duration REDRIVE_EVERY = Duration.ofMillis(250);

    /**
     * A failed journal write restarts the coordinator from its journal, with backoff; the entities
     * keep running (and so stay the only writer of their journals), and commands wait in the stash.
     */
    private static final BackoffSupervisorStrategy RESTART_AFTER_WRITE_FAILURE = SupervisorStrategy.restartWithBackoff(
                    Duration.ofMillis(50), Duration.ofSeconds(2), 0.2)
            .withStopChildren(false)
            .withStashCapacity(100_000);

    /** The tag on every decision, so one ordered timeline of the engine can be read back. */
    public static final String TAG = "custody";

    private final ActorContext<Message> context;
    private final String instance;
    private final ActorRef<EntityActor.Report> reports;
    /** One reference per entity: a stopped one is replaced only once it has terminated, so one writer per id. */
    private final Map<EntityId, ActorRef<EntityActor.Message>> entities = new HashMap<>();

    private final DecisionDelivery<ActorRef<StatusReply<Decision>>> delivery = new DecisionDelivery<>();
    private final GroupCommit<ActorRef<StatusReply<Decision>>> batch = new GroupCommit<>();
    private final List<ActorRef<StatusReply<Long>>> quietWaiters = new ArrayList<>();
    private final Set<ActorRef<KernelJournal.DecisionTaken>> subscribers = new java.util.LinkedHashSet<>();
    /**
     * The kernel state each intent being written leads to, as the rules already computed it when
     * deciding: the event handler takes it instead of folding the events a second time on the one
     * actor every decision passes through. Identity-keyed; empty during recovery, which folds.
     */
    private final Map<KernelJournal.DecisionTaken, KernelState> decidedStates = new java.util.IdentityHashMap<>();

    private boolean flushScheduled;
    /** The write under way: if the journal fails it, the callers it would have answered are told. */
    private Optional<GroupCommit.Written<ActorRef<StatusReply<Decision>>>> writing = Optional.empty();

    private Optional<ActorRef<StatusReply<Decision>>> booting = Optional.empty();
    private final TimerScheduler<Message> timers;

    /** Events between snapshots for the coordinator and its entities; 0 for none. */
    private final int snapshotEvery;

    /** {@code snapshotEvery}: events between snapshots, 0 when the journal has no snapshot store. */
    public static Behavior<Message> create(String instance, int snapshotEvery) {
        return Behaviors.withTimers(
                timers -> Behaviors.setup(context -> new KernelCoordinator(context, timers, instance, snapshotEvery)));
    }

    private KernelCoordinator(
            ActorContext<Message> context, TimerScheduler<Message> timers, String instance, int snapshotEvery) {
        super(PersistenceId.ofUniqueId(instance + "|kernel"), RESTART_AFTER_WRITE_FAILURE);
        this.context = context;
        this.timers = timers;
        this.instance = instance;
        this.snapshotEvery = snapshotEvery;
        this.reports = context.messageAdapter(EntityActor.Report.class, EntityReported::new);
    }

    @Override
    public CoordinatorState emptyState() {
        return CoordinatorState.empty();
    }

    @Override
    public CommandHandlerWithReply<Message, KernelJournal, CoordinatorState> commandHandler() {
        return newCommandHandlerWithReplyBuilder()
                .forAnyState()
                .onCommand(Start.class, this::onStart)
                .onCommand(Execute.class, this::onExecute)
                .onCommand(GetKernel.class, (state, get) -> Effect().reply(get.replyTo(), state.kernel()))
                .onCommand(AwaitQuiet.class, this::onAwaitQuiet)
                .onCommand(EntityReported.class, this::onEntityReported)
                .onCommand(Flush.class, (state, flush) -> onFlush())
                .onCommand(InspectEntity.class, (state, inspect) -> {
                    entity(inspect.entity()).tell(new EntityActor.Inspect(inspect.replyTo()));
                    return Effect().noReply();
                })
                .onCommand(TranslateInDomain.class, (state, translate) -> {
                    EntityId domain = EntityId.of(translate.domain());
                    entity(domain)
                            .tell(new EntityActor.Translate(
                                    translate.iova(), lastDecisionFor(domain), translate.replyTo()));
                    return Effect().noReply();
                })
                .onCommand(DumpDomainTable.class, (state, dump) -> {
                    EntityId domain = EntityId.of(dump.domain());
                    entity(domain).tell(new EntityActor.DumpTable(lastDecisionFor(domain), dump.replyTo()));
                    return Effect().noReply();
                })
                .onCommand(TableAnswered.class, (state, answered) -> {
                    answered.caller().tell(StatusReply.success(tableAnswer(answered)));
                    return Effect().noReply();
                })
                .onCommand(EntityStopped.class, (state, stopped) -> {
                    entities.remove(stopped.entity()); // terminated: the next send starts a fresh one
                    return Effect().noReply();
                })
                .onCommand(Redrive.class, (state, tick) -> {
                    deliver(delivery.resendsDue(Instant.now()));
                    return Effect().noReply();
                })
                .onCommand(Subscribe.class, (state, subscribe) -> {
                    subscribers.add(subscribe.subscriber());
                    return Effect().noReply();
                })
                .onCommand(Unsubscribe.class, (state, unsubscribe) -> {
                    subscribers.remove(unsubscribe.subscriber());
                    return Effect().noReply();
                })
                .onCommand(Stop.class, (state, stop) -> Effect().stop().thenReply(stop.replyTo(), s -> s.lastSeq()))
                .build();
    }

    private ReplyEffect<KernelJournal, CoordinatorState> onStart(CoordinatorState state, Start start) {
        if (state.kernel().isPresent()) {
            boolean same = state.kernel().get().topology().equals(start.topology());
            Outcome<Reply> answer = same
                    ? Outcome.ok(Reply.NONE)
                    : Outcome.fail(Errno.EINVAL, "the journal of engine " + instance + " belongs to another topology");
            return Effect()
                    .reply(
                            start.replyTo(),
                            StatusReply.success(new Decision(
                                    List.of(), answer, state.kernel().get())));
        }
        Decision boot = Kernel.boot(start.topology());
        if (!boot.outcome().isOk()) {
            return Effect().reply(start.replyTo(), StatusReply.success(boot));
        }
        KernelJournal.DecisionTaken decision = new KernelJournal.DecisionTaken(1, "boot", boot.events());
        booting = Optional.of(start.replyTo());
        return Effect()
                .persist(List.of(JournalFormat.header(), new KernelJournal.Started(start.topology()), decision))
                .thenRun(after -> {
                    booting = Optional.empty();
                    deliver(delivery.send(decision, Optional.of(start.replyTo()), Optional.of(boot), Instant.now()));
                })
                .thenNoReply();
    }

    private ReplyEffect<KernelJournal, CoordinatorState> onExecute(CoordinatorState state, Execute execute) {
        if (state.kernel().isEmpty()) {
            return Effect()
                    .reply(
                            execute.replyTo(),
                            StatusReply.success(new Decision(
                                    List.of(),
                                    Outcome.fail(Errno.ENODEV, "engine " + instance + " has not been started"),
                                    KernelState.empty(new Topology(
                                            new java.util.LinkedHashMap<>(),
                                            new java.util.LinkedHashMap<>(),
                                            new java.util.LinkedHashMap<>())))));
        }
        KernelState now = batch.stateFor(state.kernel().get());
        Decision decision = Operations.decide(now, execute.command());
        Optional<PageTableRead> read = PageTableRead.of(now, execute.command(), decision);
        if (read.isPresent()) {
            readPageTable(read.get(), execute.replyTo(), decision);
            return Effect().noReply();
        }
        if (decision.events().isEmpty()) {
            if (!batch.hasIntents()) {
                // nothing changed, nothing to make durable
                return Effect().reply(execute.replyTo(), StatusReply.success(decision));
            }
            batch.answer(execute.replyTo(), decision); // it saw intents not yet written: answer after them
            return Effect().noReply();
        }
        KernelJournal.DecisionTaken taken = new KernelJournal.DecisionTaken(
                batch.nextSeq(state.lastSeq()), execute.operationId(), decision.events());
        batch.intent(taken, execute.replyTo(), decision);
        scheduleFlush();
        return Effect().noReply();
    }

    /**
     * Asks the domain actor's real page table, after every decision sent or about to be sent to it:
     * the model has decided against those, so the table must have applied them too.
     */
    private void readPageTable(PageTableRead read, ActorRef<StatusReply<Decision>> caller, Decision modelDecision) {
        EntityId domain = EntityId.of(read.domain());
        long after = lastDecisionFor(domain);
        context.ask(
                Long.class,
                entity(domain),
                TABLE_READ_TIMEOUT,
                replyTo -> new EntityActor.Translate(read.iova(), after, replyTo),
                (paddr, failure) -> new TableAnswered(
                        caller, modelDecision, Optional.ofNullable(paddr), Optional.ofNullable(failure)));
    }

    /** The last decision with events for this entity, sent to it or still waiting for its write; 0 for none. */
    private long lastDecisionFor(EntityId entity) {
        return Math.max(delivery.lastSentTo(entity), batch.lastIntentFor(entity));
    }

    /** The table's answer in the model's reply shape; a table that did not answer is a fault, said as such. */
    private static Decision tableAnswer(TableAnswered answered) {
        Outcome<Reply> outcome = answered.paddr()
                .<Outcome<Reply>>map(paddr -> Outcome.ok(new Reply.Amount("paddr", paddr)))
                .orElseGet(() -> Outcome.fail(
                        Errno.EAGAIN,
                        "the page table of the domain did not answer: "
                                + answered.failure().map(Throwable::getMessage).orElse("no reason")));
        return new Decision(List.of(), outcome, answered.modelDecision().state());
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            context.getSelf().tell(Flush.NOW);
        }
    }

    /**
     * One journal write for every intent decided and every decision confirmed since the last one;
     * then the confirmed decisions' callers are answered and published, and the intents are delivered.
     */
    private ReplyEffect<KernelJournal, CoordinatorState> onFlush() {
        flushScheduled = false;
        if (batch.isEmpty()) {
            return Effect().noReply();
        }
        GroupCommit.Written<ActorRef<StatusReply<Decision>>> written = batch.drain();
        written.intents()
                .forEach(intent ->
                        decidedStates.put(intent.taken(), intent.decision().state()));
        writing = Optional.of(written);
        return Effect()
                .persist(written.records())
                .thenRun(after -> {
                    writing = Optional.empty();
                    Instant now = Instant.now();
                    for (DecisionDelivery.Confirmed<ActorRef<StatusReply<Decision>>> done : written.marks()) {
                        done.caller()
                                .ifPresent(caller -> caller.tell(
                                        StatusReply.success(done.decision().orElseThrow())));
                        delivery.marked(done.taken()).forEach(next -> subscribers.forEach(s -> s.tell(next)));
                    }
                    for (GroupCommit.Intent<ActorRef<StatusReply<Decision>>> intent : written.intents()) {
                        deliver(delivery.send(
                                intent.taken(), Optional.of(intent.caller()), Optional.of(intent.decision()), now));
                    }
                    written.answers().forEach(answer -> answer.caller().tell(StatusReply.success(answer.decision())));
                    releaseQuietWaiters(after);
                })
                .thenNoReply();
    }

    private ReplyEffect<KernelJournal, CoordinatorState> onEntityReported(
            CoordinatorState state, EntityReported message) {
        switch (message.report()) {
            case EntityActor.Applied applied ->
                delivery.confirm(applied.entity(), applied.seq()).ifPresent(done -> {
                    batch.confirmed(done);
                    scheduleFlush(); // the mark shares the next write with other marks and new intents
                });
            case EntityActor.WriteFailed failed -> {
                var failure = delivery.writeFailed(failed.entity(), failed.seq(), failed.cause(), Instant.now());
                deliver(failure.resend()); // taken once the entity has restarted
                failure.refusals()
                        .forEach(refusal -> refusal.caller()
                                .tell(StatusReply.error("engine " + instance + ": " + refusal.reason())));
                if (failure.cannotWrite()) {
                    refuseQuietWaiters("engine " + instance + " cannot become quiet: " + failure.reason());
                }
            }
        }
        return Effect().noReply();
    }

    private ReplyEffect<KernelJournal, CoordinatorState> onAwaitQuiet(CoordinatorState state, AwaitQuiet await) {
        if (quiet()) {
            return Effect().reply(await.replyTo(), StatusReply.success(state.lastSeq()));
        }
        quietWaiters.add(await.replyTo());
        return Effect().noReply();
    }

    /** No decision waits for its entities, its write or its mark. */
    private boolean quiet() {
        return delivery.idle() && batch.isEmpty();
    }

    private void releaseQuietWaiters(CoordinatorState state) {
        if (quiet()) {
            quietWaiters.forEach(waiter -> waiter.tell(StatusReply.success(state.lastSeq())));
            quietWaiters.clear();
        }
    }

    private void refuseQuietWaiters(String reason) {
        quietWaiters.forEach(waiter -> waiter.tell(StatusReply.error(reason)));
        quietWaiters.clear();
    }

    /**
     * The journal failed the coordinator's write. The decisions it would have recorded and those
     * decided against them since are not answered: their callers get an error now. Decisions it would
     * have marked are applied by every entity: they go back in flight with their callers and get
     * their mark after the restart. The supervisor then restarts the coordinator from its journal.
     */
    private void writeFailed(Throwable failure) {
        String cause = JournalFailures.describe(failure);
        Instant now = Instant.now();
        booting.ifPresent(caller -> caller.tell(StatusReply.error(
                "engine " + instance + " could not write its boot to" + " the journal (" + cause + ")")));
        booting = Optional.empty();
        writing.ifPresent(
                written -> refuseUnwritten(
                        written,
                        now,
                        "engine " + instance + " could not write to its journal (" + cause
                                + "); the operation was not answered and may not have happened: the engine restarts from its journal"));
        writing = Optional.empty();
        refuseUnwritten(
                batch.drain(),
                now,
                "engine " + instance + " could not write to its journal (" + cause
                        + ") before this operation, which was decided after that write and is not recorded");
        decidedStates.clear();
        flushScheduled = false;
        refuseQuietWaiters("engine " + instance + " could not write to its journal (" + cause + ")");
    }

    private void refuseUnwritten(
            GroupCommit.Written<ActorRef<StatusReply<Decision>>> written, Instant now, String reason) {
        written.marks().forEach(mark -> delivery.reopen(mark, now));
        written.intents().forEach(intent -> intent.caller().tell(StatusReply.error(reason)));
        written.answers().forEach(answer -> answer.caller().tell(StatusReply.error(reason)));
    }

    private void deliver(List<DecisionDelivery.Part> parts) {
        parts.forEach(part ->
                entity(part.entity()).tell(new EntityActor.Apply(part.seq(), part.previous(), part.events(), reports)));
    }

    private ActorRef<EntityActor.Message> entity(EntityId id) {
        return entities.computeIfAbsent(id, e -> {
            ActorRef<EntityActor.Message> child =
                    context.spawn(EntityActor.create(instance, e, snapshotEvery), e.actorName());
            context.watchWith(child, new EntityStopped(e)); // a stopped entity is started again on next use
            return child;
        });
    }

    @Override
    public EventHandler<CoordinatorState, KernelJournal> eventHandler() {
        return newEventHandlerBuilder()
                .forAnyState()
                .onEvent(KernelJournal.Header.class, (state, header) -> {
                    JournalFormat.requireReadable(header); // a newer format fails the recovery, naming both
                    return state;
                })
                .onEvent(
                        KernelJournal.Started.class,
                        (state, started) -> state.started(KernelState.empty(started.topology())))
                .onEvent(KernelJournal.DecisionTaken.class, (state, taken) -> {
                    KernelState decided = decidedStates.remove(taken);
                    return decided == null ? state.taken(taken) : state.taken(taken, decided);
                })
                .onEvent(KernelJournal.DecisionApplied.class, (state, applied) -> state.applied(applied.seq()))
                .build();
    }

    @Override
    public SignalHandler<CoordinatorState> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), state -> {
                    // intents a crash (or a failed write) left without their effect: delivered again
                    deliver(delivery.recovered(state.lastSeq(), state.open(), Instant.now()));
                    // (re)started here: a restart after a failed write cancels the actor's timers
                    timers.startTimerWithFixedDelay(Redrive.TICK, REDRIVE_EVERY);
                })
                .onSignal(JournalPersistFailed.class, (state, failed) -> writeFailed(failed.getFailure()))
                .onSignal(JournalPersistRejected.class, (state, rejected) -> writeFailed(rejected.getFailure()))
                .build();
    }

    /**
     * Decisions (and the machine they are about) are the timeline; the header and the applied marks
     * are bookkeeping, and an untagged row is cheaper to write (a tagged one also needs its generated
     * ordering back for the tag table).
     */
    @Override
    public java.util.Set<String> tagsFor(KernelJournal event) {
        return event instanceof KernelJournal.DecisionApplied || event instanceof KernelJournal.Header
                ? java.util.Set.of()
                : java.util.Set.of(TAG);
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return snapshotEvery > 0 ? RetentionCriteria.snapshotEvery(snapshotEvery, 2) : RetentionCriteria.disabled();
    }

    /** The events of one entity in a decision, for tests and replay tools. */
    public static List<KernelEvent> eventsOf(KernelJournal.DecisionTaken decision, EntityId entity) {
        return EventRouting.split(decision.events()).getOrDefault(entity, List.of());
    }
}
