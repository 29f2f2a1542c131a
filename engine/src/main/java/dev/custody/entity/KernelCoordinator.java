package dev.custody.entity;

import dev.custody.model.Command;
import dev.custody.model.DomainId;
import dev.custody.model.Errno;
import dev.custody.model.FileId;
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
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.JournalPersistFailed;
import org.apache.pekko.persistence.typed.JournalPersistRejected;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Decides every operation through the pure rules and records it in its journal, the engine's source
 * of truth: every command with its caller, operation id and answer, and for a decision that changes
 * the machine its events. A caller is answered once its command's record is on stable storage; many
 * callers share one write and its sync ({@link GroupCommit}). The device, group, domain and file
 * actors then journal their parts of the decisions, off the answer path ({@link DecisionDelivery});
 * how far they have is recorded lazily ({@link KernelJournal.AppliedThrough}), and whatever a crash
 * cut short is delivered again when the coordinator recovers. One coordinator serializes decisions
 * the way the kernel's locks do, so the actors' answers are the pure model's answers.
 *
 * <p>A caller that names an operation with an id of its own gets the first answer again when it
 * retries under that id, also after a restart ({@link RecentOperations}). A write the journal fails
 * never leaves a caller waiting for its timeout: the callers that write would have answered get an
 * error at once and the coordinator restarts with backoff from its journal.
 */
public final class KernelCoordinator
        extends EventSourcedBehaviorWithEnforcedReplies<KernelCoordinator.Message, KernelJournal, CoordinatorLedger> {

    public sealed interface Message {}

    /**
     * Boots the machine on first start; on a journal that exists, checks it belongs to the topology.
     * An error when the boot cannot be written.
     */
    public record Start(Topology topology, ActorRef<StatusReply<Decision>> replyTo) implements Message {}

    /**
     * Decides, records and answers one command from {@code caller}. {@code callersId}: the operation
     * id is the caller's own, so a retry under it gets the first answer. An error (not a decision)
     * when the engine cannot write it, or when the caller used the id for another command.
     * {@code precondition}: what the caller must hold, checked just before the decision.
     */
    public record Execute(
            Command<?> command,
            String caller,
            String operationId,
            boolean callersId,
            Precondition precondition,
            ActorRef<StatusReply<Decision>> replyTo)
            implements Message {}

    /**
     * A change seen on the host behind the engine's back (live host mode): decided and recorded as the
     * command that makes the model follow it, from caller {@value #HOST_CALLER}, and never carried out.
     */
    public record Observe(HostPort.Observation observation, ActorRef<StatusReply<Decision>> replyTo)
            implements Message {}

    public record GetKernel(ActorRef<Optional<KernelState>> replyTo) implements Message {}

    /**
     * Answers once every entity has written every decision and the journal records that: what a clean
     * shutdown or a test waits for; an error when an entity cannot write or a write that must happen
     * first has failed.
     */
    public record AwaitQuiet(ActorRef<StatusReply<Long>> replyTo) implements Message {}

    /**
     * Answers as {@link AwaitQuiet} does, except that an entity that cannot recover from its journal
     * (stuck, {@link EntityHealth}) is not waited for but named in the answer: every other entity has
     * written every decision. What a start waits for, so that a stuck entity does not keep an engine
     * from serving. An error when an entity cannot write or a write that must happen first has failed.
     */
    public record AwaitSettled(ActorRef<StatusReply<Settled>> replyTo) implements Message {}

    /** Asks one entity for its own state (recovering it from its journal if it is not running). */
    public record InspectEntity(EntityId entity, ActorRef<EntityState> replyTo) implements Message {}

    /** Every decision made durable from now on is told to the subscriber, in decision order. */
    public record Subscribe(ActorRef<KernelJournal.DecisionTaken> subscriber) implements Message {}

    public record Unsubscribe(ActorRef<KernelJournal.DecisionTaken> subscriber) implements Message {}

    /** Translates an IOVA through a domain actor's real page table, once it has applied every decision for it. */
    public record TranslateInDomain(DomainId domain, long iova, ActorRef<Long> replyTo) implements Message {}

    /** The leaves and checksum of a domain actor's real page table, after every decision the model has made. */
    public record DumpDomainTable(DomainId domain, ActorRef<Optional<TableDump>> replyTo) implements Message {}

    /** How many entity actors run (or are stopping) now: idle ones are stopped and come back on demand. */
    public record CountEntities(ActorRef<Integer> replyTo) implements Message {}

    /** The entities that cannot recover from their journals ({@link EntityHealth}), in entity order. */
    public record ListStuckEntities(ActorRef<List<StuckEntity>> replyTo) implements Message {}

    /** Stops the engine's actors; the journal keeps everything for the next start. */
    public record Stop(ActorRef<Long> replyTo) implements Message {}

    private record EntityReported(EntityActor.Report report) implements Message {}

    private record EntityStopped(EntityId entity) implements Message {}

    /** A page-table read for the model's answer, asked of the coordinator so that it reaches the live incarnation. */
    private record ReadTable(EntityId domain, EntityActor.Translate translate) implements Message {}

    /** A domain actor's page table answered a read the model had decided (or did not answer in time). */
    private record TableAnswered(
            ActorRef<StatusReply<Decision>> caller,
            CommandRecord command,
            long afterSeq,
            Decision modelDecision,
            Optional<Long> paddr,
            Optional<Throwable> failure)
            implements Message {}

    /**
     * The dispatcher the entity actors run on, when the runtime defines it ({@code CustodyRuntime} does:
     * at most half the cores). The entities write off the answer path; on the coordinator's dispatcher
     * their bursts of writes queued ahead of the callers' commands. Kept to their own threads, they cannot
     * take every core from the coordinator, and when they fall behind they write more decisions at once.
     */
    public static final String ENTITY_DISPATCHER = "custody.entity-dispatcher";

    /** How long a page-table read may wait for its domain actor (which may first recover from the journal). */
    static final Duration TABLE_READ_TIMEOUT = Duration.ofSeconds(30);

    /** Resends, passivation and the lazy write of how far the entities are. */
    private enum Tick implements Message {
        TICK
    }

    /** Writes what {@link GroupCommit} holds; sent to itself, so it comes after every command already waiting. */
    private enum Flush implements Message {
        NOW
    }

    /** Sends the entities what {@link DecisionDelivery} gathered ({@link CoordinatorSettings#gatherFor}). */
    private enum ReleaseGathered implements Message {
        NOW
    }

    static final Duration TICK_EVERY = Duration.ofMillis(250);

    /**
     * Decisions the entities may fall behind by before new commands wait: what keeps the memory of
     * undelivered parts bounded when the entities' journals are slower than the coordinator's.
     */
    static final int MAX_UNAPPLIED = 10_000;

    /** An entity stopped for lack of room (not for idleness) has been unused for at least this long. */
    private static final Duration MIN_IDLE = Duration.ofMillis(500);

    /**
     * A failed journal write restarts the coordinator from its journal, with backoff; the entities
     * keep running (and so stay the only writer of their journals), and commands wait in the stash.
     */
    private static final BackoffSupervisorStrategy RESTART_AFTER_WRITE_FAILURE = SupervisorStrategy.restartWithBackoff(
                    Duration.ofMillis(50), Duration.ofSeconds(2), 0.2)
            .withStopChildren(false)
            .withStashCapacity(100_000);

    /** The caller the boot is recorded under. */
    public static final String ENGINE = "custody";

    /** The caller a change seen on the host is recorded from. */
    public static final String HOST_CALLER = "host";

    private final ActorContext<Message> context;
    private final String instance;
    private final CoordinatorSettings settings;
    private final HostPort host;
    /** Changes seen on the host so far in this incarnation: they number their records' operation ids. */
    private long observed;
    /** Names this incarnation in those ids, so that two incarnations never give one id to two changes. */
    private final String incarnation = java.util.UUID.randomUUID().toString().substring(0, 8);

    private final ActorRef<EntityActor.Report> reports;
    private final LiveEntities entities;

    private final DecisionDelivery delivery;
    private final EntityHealth health;
    private final GroupCommit<ActorRef<StatusReply<Decision>>> batch = new GroupCommit<>();
    private final List<ActorRef<StatusReply<Long>>> quietWaiters = new ArrayList<>();
    private final List<ActorRef<StatusReply<Settled>>> settledWaiters = new ArrayList<>();
    private final Set<ActorRef<KernelJournal.DecisionTaken>> subscribers = new LinkedHashSet<>();
    /**
     * The kernel state each decision being written leads to, as the rules already computed it when
     * deciding: the event handler takes it instead of folding the events a second time on the one
     * actor every decision passes through. Identity-keyed; empty during recovery, which folds.
     */
    private final Map<KernelJournal.Decided, KernelState> decidedStates = new IdentityHashMap<>();

    private boolean flushScheduled;
    private boolean releaseScheduled;
    /** The write under way: if the journal fails it, the callers it would have answered are told. */
    private Optional<List<GroupCommit.Entry<ActorRef<StatusReply<Decision>>>>> writing = Optional.empty();

    private Optional<ActorRef<StatusReply<Decision>>> booting = Optional.empty();
    /** Commands wait in the stash while the entities are {@link #MAX_UNAPPLIED} decisions behind. */
    private boolean holding;

    private final TimerScheduler<Message> timers;
    private final CoordinatorLog log;
    private boolean recovering = true;

    public static Behavior<Message> create(String instance, CoordinatorSettings settings) {
        return create(instance, settings, HostPort.NONE);
    }

    /** A coordinator whose accepted decisions are carried out on {@code host} (live host mode). */
    public static Behavior<Message> create(String instance, CoordinatorSettings settings, HostPort host) {
        return Behaviors.withTimers(
                timers -> Behaviors.setup(context -> new KernelCoordinator(context, timers, instance, settings, host)));
    }

    private KernelCoordinator(
            ActorContext<Message> context,
            TimerScheduler<Message> timers,
            String instance,
            CoordinatorSettings settings,
            HostPort host) {
        super(PersistenceId.ofUniqueId(instance + "|kernel"), RESTART_AFTER_WRITE_FAILURE);
        this.context = context;
        this.timers = timers;
        this.instance = instance;
        this.settings = settings;
        this.delivery = settings.gatherFor().isZero() ? new DecisionDelivery() : DecisionDelivery.gathering();
        this.host = host;
        this.log = new CoordinatorLog(instance);
        this.reports = context.messageAdapter(EntityActor.Report.class, EntityReported::new);
        this.health = new EntityHealth(instance, settings.stuckProbeAfter());
        Props entityProps = context.getSystem().settings().config().hasPath(ENTITY_DISPATCHER)
                ? DispatcherSelector.fromConfig(ENTITY_DISPATCHER)
                : Props.empty();
        this.entities = new LiveEntities(entity -> {
            ActorRef<EntityActor.Message> child = context.spawn(
                    EntityActor.create(
                            instance, entity, settings.entitySnapshotEvery(), reports, health.failing(entity)),
                    entity.actorName(),
                    entityProps);
            context.watchWith(child, new EntityStopped(entity)); // a stopped entity is started again on next use
            return child;
        });
    }

    @Override
    public CoordinatorLedger emptyState() {
        return CoordinatorLedger.empty();
    }

    @Override
    public String journalPluginId() {
        return settings.journalPluginId();
    }

    @Override
    public CommandHandlerWithReply<Message, KernelJournal, CoordinatorLedger> commandHandler() {
        return newCommandHandlerWithReplyBuilder()
                .forAnyState()
                .onCommand(Start.class, this::onStart)
                .onCommand(Execute.class, this::onExecute)
                .onCommand(Observe.class, this::onObserve)
                .onCommand(GetKernel.class, (ledger, get) -> Effect().reply(get.replyTo(), ledger.kernel()))
                .onCommand(AwaitQuiet.class, this::onAwaitQuiet)
                .onCommand(AwaitSettled.class, this::onAwaitSettled)
                .onCommand(EntityReported.class, this::onEntityReported)
                .onCommand(Flush.class, (ledger, flush) -> onFlush(ledger))
                .onCommand(InspectEntity.class, (ledger, inspect) -> {
                    releaseGatheredFor(inspect.entity());
                    tell(inspect.entity(), new EntityActor.Inspect(inspect.replyTo()));
                    return Effect().noReply();
                })
                .onCommand(TranslateInDomain.class, (ledger, translate) -> {
                    EntityId domain = EntityId.of(translate.domain());
                    releaseGatheredFor(domain);
                    tell(
                            domain,
                            new EntityActor.Translate(translate.iova(), lastDecisionFor(domain), translate.replyTo()));
                    return Effect().noReply();
                })
                .onCommand(DumpDomainTable.class, (ledger, dump) -> {
                    EntityId domain = EntityId.of(dump.domain());
                    releaseGatheredFor(domain);
                    tell(domain, new EntityActor.DumpTable(lastDecisionFor(domain), dump.replyTo()));
                    return Effect().noReply();
                })
                .onCommand(ReadTable.class, (ledger, read) -> {
                    releaseGatheredFor(read.domain());
                    tell(read.domain(), read.translate());
                    return Effect().noReply();
                })
                .onCommand(TableAnswered.class, (ledger, answered) -> {
                    // the table has applied every decision the read waited for, so those are durable:
                    // answered now, recorded with the next write
                    Decision decision = tableAnswer(answered);
                    answered.caller().tell(StatusReply.success(decision));
                    batch.recorded(
                            new KernelJournal.Answered(
                                    answered.afterSeq(), answered.command(), AnswerRecord.of(decision.outcome())),
                            decision);
                    scheduleFlush();
                    return Effect().noReply();
                })
                .onCommand(EntityStopped.class, (ledger, stopped) -> {
                    entities.terminated(stopped.entity(), System.nanoTime());
                    return Effect().noReply();
                })
                .onCommand(Tick.class, (ledger, tick) -> onTick(ledger))
                .onCommand(ReleaseGathered.class, (ledger, release) -> {
                    releaseScheduled = false;
                    deliver(delivery.releaseGathered(Instant.now()));
                    return Effect().noReply();
                })
                .onCommand(CountEntities.class, (ledger, count) -> Effect().reply(count.replyTo(), entities.count()))
                .onCommand(ListStuckEntities.class, (ledger, list) -> Effect().reply(list.replyTo(), health.stuck()))
                .onCommand(Subscribe.class, (ledger, subscribe) -> {
                    subscribers.add(subscribe.subscriber());
                    return Effect().noReply();
                })
                .onCommand(Unsubscribe.class, (ledger, unsubscribe) -> {
                    subscribers.remove(unsubscribe.subscriber());
                    return Effect().noReply();
                })
                .onCommand(Stop.class, (ledger, stop) -> {
                    log.stopped(ledger.lastSeq());
                    return Effect().stop().thenReply(stop.replyTo(), l -> l.lastSeq());
                })
                .build();
    }

    private ReplyEffect<KernelJournal, CoordinatorLedger> onStart(CoordinatorLedger ledger, Start start) {
        if (ledger.kernel().isPresent()) {
            Topology recorded = ledger.kernel().get().topology();
            // a live host's drivers change while the engine is down: the caller reconciles them after the start
            boolean same = host == HostPort.NONE
                    ? recorded.equals(start.topology())
                    : SameHardware.of(recorded, start.topology());
            Outcome<Reply> answer = same
                    ? Outcome.ok(Reply.NONE)
                    : Outcome.fail(
                            Errno.EINVAL,
                            "the journal of engine " + instance + " belongs to another "
                                    + (host == HostPort.NONE ? "topology" : "machine (its PCI devices differ)"));
            return Effect()
                    .reply(
                            start.replyTo(),
                            StatusReply.success(new Decision(
                                    List.of(), answer, ledger.kernel().get())));
        }
        Decision boot = Kernel.boot(start.topology());
        if (!boot.outcome().isOk()) {
            return Effect().reply(start.replyTo(), StatusReply.success(boot));
        }
        KernelJournal.Decided decided = new KernelJournal.Decided(
                1,
                new CommandRecord(ENGINE, "boot", false, CommandText.BOOT),
                AnswerRecord.of(boot.outcome()),
                boot.events());
        booting = Optional.of(start.replyTo());
        return Effect()
                .persist(List.of(JournalFormat.header(), new KernelJournal.Started(start.topology()), decided))
                .thenRun(after -> {
                    booting = Optional.empty();
                    log.booted(start.topology());
                    start.replyTo().tell(StatusReply.success(boot));
                    deliver(delivery.send(decided.taken(), Instant.now()));
                })
                .thenNoReply();
    }

    private ReplyEffect<KernelJournal, CoordinatorLedger> onExecute(CoordinatorLedger ledger, Execute execute) {
        if (ledger.kernel().isEmpty()) {
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
        if (holding) {
            return health.anyStuck()
                    ? Effect().reply(execute.replyTo(), StatusReply.error(health.whyHeld(MAX_UNAPPLIED)))
                    : Effect().stash(); // the entities are far behind: taken again once they catch up
        }
        CommandRecord command =
                CommandRecord.of(execute.caller(), execute.operationId(), execute.callersId(), execute.command());
        KernelState now = batch.stateFor(ledger.kernel().get());
        if (execute.callersId()) {
            Optional<ReplyEffect<KernelJournal, CoordinatorLedger>> repeat = retried(ledger, execute, command, now);
            if (repeat.isPresent()) {
                return repeat.get();
            }
        }
        Optional<String> refused = execute.precondition().refusal(now);
        if (refused.isPresent()) {
            Outcome<Reply> eperm = Outcome.fail(Errno.EPERM, refused.get());
            answerOrWait(
                    KernelJournal.Answered.unauthorized(
                            batch.lastSeq(ledger.lastSeq()), command, AnswerRecord.of(eperm)),
                    execute.replyTo(),
                    new Decision(List.of(), eperm, now));
            return Effect().noReply();
        }
        Optional<String> outside = host.refusal(now, execute.command());
        if (outside.isPresent()) {
            Outcome<Reply> eacces = Outcome.fail(Errno.EACCES, outside.get());
            AnswerRecord answer = AnswerRecord.of(eacces);
            answerOrWait(
                    new KernelJournal.Answered(
                            batch.lastSeq(ledger.lastSeq()),
                            command,
                            answer,
                            Optional.of(new HostRecord(HostRecord.OUTSIDE_ALLOW_LIST, outside.get(), answer))),
                    execute.replyTo(),
                    new Decision(List.of(), eacces, now));
            return Effect().noReply();
        }
        // the domains' real tables hold every leaf: a map they cannot hold is refused before it is recorded
        Decision decision = PageTableBudget.admit(now, Operations.decide(now, execute.command()));
        Optional<PageTableRead> read = PageTableRead.of(now, execute.command(), decision);
        if (read.isPresent()) {
            readPageTable(read.get(), execute.replyTo(), command, batch.lastSeq(ledger.lastSeq()), decision);
            return Effect().noReply();
        }
        Optional<HostRecord> carried = decision.outcome() instanceof Outcome.Failed<?>
                ? Optional.empty() // a refusal is answered without touching the kernel
                : host.carryOut(now, execute.command(), decision);
        record(ledger, command, now, decision, carried, execute.replyTo());
        return Effect().noReply();
    }

    /** A change seen on the host: decided as the command that makes the model follow it, never carried out. */
    private ReplyEffect<KernelJournal, CoordinatorLedger> onObserve(CoordinatorLedger ledger, Observe observe) {
        if (ledger.kernel().isEmpty() || holding) {
            return holding ? Effect().stash() : Effect().reply(observe.replyTo(), StatusReply.error("not started"));
        }
        KernelState now = batch.stateFor(ledger.kernel().get());
        HostPort.Observation observation = observe.observation();
        if (!observation.stillNeeded().test(now)) {
            return Effect()
                    .reply(
                            observe.replyTo(),
                            StatusReply.success(new Decision(List.of(), Outcome.ok(Reply.NONE), now)));
        }
        CommandRecord command =
                CommandRecord.of(HOST_CALLER, "seen-" + incarnation + "-" + (++observed), false, observation.command());
        Decision decision = Operations.decide(now, observation.command());
        HostRecord seen = new HostRecord(HostRecord.SEEN, observation.seen(), new AnswerRecord("ok", "", ""));
        record(ledger, command, now, decision, Optional.of(seen), observe.replyTo());
        return Effect().noReply();
    }

    /**
     * Records a decided command for the next write: with its events as a decision, or as an answer when it
     * changed nothing. In live host mode the caller gets the kernel's answer ({@link HostDecision}) and a
     * drift brings the model back to what the host shows.
     */
    private void record(
            CoordinatorLedger ledger,
            CommandRecord command,
            KernelState now,
            Decision model,
            Optional<HostRecord> carried,
            ActorRef<StatusReply<Decision>> caller) {
        AnswerRecord answer = AnswerRecord.of(model.outcome());
        Decision given = HostDecision.given(now, model, carried);
        if (HostDecision.drifted(model, carried)) {
            // the resync is queued before the caller can hear the answer, so that whatever the caller
            // asks next (a quiesce, a state) comes after the model has followed the host
            log.drift(command, answer, carried.get());
            host.drifted(command, answer, carried.get());
            ActorRef<StatusReply<Decision>> nobody = context.getSystem().ignoreRef();
            for (HostPort.Observation seen : host.resync(given.state(), command.read())) {
                context.getSelf().tell(new Observe(seen, nobody));
            }
        }
        if (given.events().isEmpty()) {
            answerOrWait(
                    new KernelJournal.Answered(batch.lastSeq(ledger.lastSeq()), command, answer, carried),
                    caller,
                    given);
        } else {
            batch.decided(
                    new KernelJournal.Decided(
                            batch.nextSeq(ledger.lastSeq()), command, answer, given.events(), carried),
                    caller,
                    given);
            scheduleFlush();
        }
    }

    /**
     * A command that changed nothing: answered now when every decision it saw is durable, else with the
     * write of those it saw; its record is in the next write either way.
     */
    private void answerOrWait(
            KernelJournal.Answered record, ActorRef<StatusReply<Decision>> caller, Decision decision) {
        if (batch.answeredAtOnce(record, caller, decision)) {
            caller.tell(StatusReply.success(decision));
        }
        scheduleFlush();
    }

    /**
     * A command under an operation id its caller used before: the first answer again (once it is on
     * stable storage), or an error when the id was used for another command. Empty for a new id.
     */
    private Optional<ReplyEffect<KernelJournal, CoordinatorLedger>> retried(
            CoordinatorLedger ledger, Execute execute, CommandRecord command, KernelState now) {
        Optional<GroupCommit.Entry<ActorRef<StatusReply<Decision>>>> waiting =
                batch.pending(execute.caller(), execute.operationId());
        if (waiting.isPresent()) {
            if (waiting.get().command().digest() != command.digest()) {
                return Optional.of(Effect().reply(execute.replyTo(), StatusReply.error(reused(execute))));
            }
            if (waiting.get().answered) {
                return Optional.of(Effect().reply(execute.replyTo(), StatusReply.success(waiting.get().decision)));
            }
            waiting.get().callers.add(execute.replyTo()); // answered with the first, after the same write
            return Optional.of(Effect().noReply());
        }
        return ledger.recent(execute.caller(), execute.operationId())
                .map(first -> first.digest() == command.digest()
                        ? Effect()
                                .reply(
                                        execute.replyTo(),
                                        StatusReply.success(new Decision(
                                                List.of(), first.answer().outcome(), now)))
                        : Effect().reply(execute.replyTo(), StatusReply.error(reused(execute))));
    }

    private String reused(Execute execute) {
        return "engine " + instance + ": operation id " + execute.operationId() + " of " + execute.caller()
                + " was given to another command before";
    }

    /**
     * Asks the domain actor's real page table, after every decision sent or about to be sent to it:
     * the model has decided against those, so the table must have applied them too.
     */
    private void readPageTable(
            PageTableRead read,
            ActorRef<StatusReply<Decision>> caller,
            CommandRecord command,
            long afterSeq,
            Decision modelDecision) {
        EntityId domain = EntityId.of(read.domain());
        if (health.isStuck(domain)) { // its actor answers nothing: said at once, not after the read's timeout
            context.getSelf()
                    .tell(new TableAnswered(
                            caller,
                            command,
                            afterSeq,
                            modelDecision,
                            Optional.empty(),
                            Optional.of(new IllegalStateException(
                                    health.describe(domain).describe()))));
            return;
        }
        long after = lastDecisionFor(domain);
        context.ask(
                Long.class,
                context.getSelf(),
                TABLE_READ_TIMEOUT,
                replyTo -> new ReadTable(domain, new EntityActor.Translate(read.iova(), after, replyTo)),
                (paddr, failure) -> new TableAnswered(
                        caller,
                        command,
                        afterSeq,
                        modelDecision,
                        Optional.ofNullable(paddr),
                        Optional.ofNullable(failure)));
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
     * One journal write for every command answered since the last one, with how far the entities have
     * come when that moved on; then the callers are answered, and the decisions delivered to the
     * entities and told to the listeners, in decision order.
     */
    private ReplyEffect<KernelJournal, CoordinatorLedger> onFlush(CoordinatorLedger ledger) {
        flushScheduled = false;
        long through = delivery.appliedThrough();
        boolean markDue = through > ledger.appliedThrough();
        if (batch.isEmpty() && !markDue) {
            return Effect().noReply();
        }
        List<GroupCommit.Entry<ActorRef<StatusReply<Decision>>>> written = batch.drain();
        List<KernelJournal> records = new ArrayList<>(written.size() + 1);
        if (markDue) {
            records.add(new KernelJournal.AppliedThrough(through));
        }
        for (GroupCommit.Entry<ActorRef<StatusReply<Decision>>> entry : written) {
            records.add(entry.record);
            if (entry.record instanceof KernelJournal.Decided decided) {
                decidedStates.put(decided, entry.decision.state());
            }
        }
        writing = Optional.of(written);
        return Effect()
                .persist(records)
                .thenRun(after -> {
                    writing = Optional.empty();
                    Instant now = Instant.now();
                    for (GroupCommit.Entry<ActorRef<StatusReply<Decision>>> entry : written) {
                        if (!entry.answered) {
                            StatusReply<Decision> answer = StatusReply.success(entry.decision);
                            entry.callers.forEach(caller -> caller.tell(answer));
                        }
                        if (entry.record instanceof KernelJournal.Decided decided) {
                            KernelJournal.DecisionTaken taken = decided.taken();
                            deliver(delivery.send(taken, now));
                            subscribers.forEach(subscriber -> subscriber.tell(taken));
                        }
                    }
                    releaseQuietWaiters(after);
                    releaseSettledWaiters(after);
                })
                .thenNoReply();
    }

    private ReplyEffect<KernelJournal, CoordinatorLedger> onEntityReported(
            CoordinatorLedger ledger, EntityReported message) {
        Instant now = Instant.now();
        switch (message.report()) {
            case EntityActor.Applied applied -> {
                deliver(delivery.confirm(applied.entity(), applied.seq(), now));
                stopIfGone(ledger, applied.entity());
                if (!quietWaiters.isEmpty()) {
                    releaseQuietWaiters(ledger);
                }
                if (!settledWaiters.isEmpty()) {
                    releaseSettledWaiters(ledger);
                }
            }
            case EntityActor.WriteFailed failed -> {
                var failure = delivery.writeFailed(failed.entity(), failed.seq(), failed.cause(), now);
                log.entityWriteFailed(failed.entity(), failed.seq(), failed.cause(), failure.cannotWrite());
                deliver(failure.resend()); // taken once the entity has restarted
                if (failure.cannotWrite()) {
                    refuseSettledWaiters("engine " + instance + " cannot settle: " + failure.reason()
                            + "; its decisions are in the journal and are written when it can,"
                            + " on the next start at the latest");
                    refuseQuietWaiters("engine " + instance + " cannot become quiet: " + failure.reason()
                            + "; its decisions are in the journal and are written when it can,"
                            + " on the next start at the latest");
                }
            }
            case EntityActor.RecoveryRefused refused -> {
                recoveryRefused(refused);
                releaseSettledWaiters(ledger); // a stuck entity is not waited for
            }
            case EntityActor.Recovered recovered -> entityRecovered(recovered.entity());
        }
        if (holding && delivery.unappliedCount() < MAX_UNAPPLIED / 2) {
            holding = false;
            return Effect().none().thenNoReply().thenUnstashAll();
        }
        if (!holding && delivery.unappliedCount() >= MAX_UNAPPLIED) {
            holding = true;
        }
        return Effect().noReply();
    }

    /**
     * Stops the actor of a closed file or a freed domain once it has written every decision for it:
     * their numbers are never given again, so no decision will come for it (an inspection, or a
     * delivery again after a crash, starts it again from its journal). Waiting for it to be idle
     * instead kept thousands of them running under a steady load, every one scanned by every tick.
     */
    private void stopIfGone(CoordinatorLedger ledger, EntityId entity) {
        if (entity.kind() != EntityId.Kind.FILE && entity.kind() != EntityId.Kind.DOMAIN
                || ledger.kernel().isEmpty()
                || !delivery.idle(entity)) {
            return;
        }
        KernelState newest = batch.stateFor(ledger.kernel().get());
        boolean gone = entity.kind() == EntityId.Kind.FILE
                ? !newest.files().containsKey(new FileId(Integer.parseInt(entity.key())))
                : !newest.domains().containsKey(new DomainId(Integer.parseInt(entity.key())));
        if (gone && batch.lastIntentFor(entity) == 0 && entities.passivateNow(entity)) {
            delivery.forget(entity);
        }
    }

    /** Resends what went unconfirmed, stops idle entities, and writes how far the entities are when nothing else will. */
    private ReplyEffect<KernelJournal, CoordinatorLedger> onTick(CoordinatorLedger ledger) {
        Instant now = Instant.now();
        deliver(delivery.resendsDue(now));
        long nanos = System.nanoTime();
        entities.passivate(
                        nanos,
                        settings.passivateAfter().toNanos(),
                        settings.maxLiveEntities(),
                        MIN_IDLE.toNanos(),
                        entity -> delivery.idle(entity) && batch.lastIntentFor(entity) == 0)
                .forEach(delivery::forget);
        if (delivery.appliedThrough() > ledger.appliedThrough()) {
            scheduleFlush(); // alone when no command comes: a lazy write, answered to nobody
        }
        return Effect().noReply();
    }

    /**
     * An entity could not recover from its journal. Its supervisor retries; once it is stuck it is
     * stopped (nothing is written to its journal), said once, and every quiet waiter is told why.
     */
    private void recoveryRefused(EntityActor.RecoveryRefused refused) {
        EntityId entity = refused.entity();
        EntityHealth.Verdict verdict = health.recoveryFailed(entity, refused.reason(), Instant.now());
        if (verdict == EntityHealth.Verdict.RETRYING) {
            return;
        }
        entities.stopNow(entity).ifPresent(context::stop);
        if (verdict == EntityHealth.Verdict.STUCK_NOW) {
            StuckEntity stuck = health.describe(entity);
            log.entityStuck(stuck, settings.stuckProbeAfter());
            publish(stuck);
        }
        refuseQuietWaiters(health.whyNotQuiet());
    }

    /** An entity recovered after failed recoveries: said when it was stuck. */
    private void entityRecovered(EntityId entity) {
        if (health.recovered(entity)) {
            String persistenceId = entity.persistenceId(instance);
            log.entityRecovered(persistenceId);
            publish(new EntityRecovered(instance, persistenceId));
        }
    }

    private ReplyEffect<KernelJournal, CoordinatorLedger> onAwaitSettled(CoordinatorLedger ledger, AwaitSettled await) {
        settledWaiters.add(await.replyTo());
        deliver(delivery.releaseGathered(Instant.now()));
        releaseSettledWaiters(ledger);
        return Effect().noReply();
    }

    /**
     * Answers the settled waiters once every entity that is not stuck has confirmed every decision and
     * the journal records how far the entities are (with no entity stuck: every decision, as for the
     * quiet waiters). An entity whose recoveries are failing but is not stuck yet is waited for: it is
     * stuck within a second or so when its journal cannot be read.
     */
    private void releaseSettledWaiters(CoordinatorLedger ledger) {
        if (settledWaiters.isEmpty() || !batch.isEmpty() || writing.isPresent()) {
            return;
        }
        // with no entity stuck this is delivery.idle(), which is O(1): idleBut looks at every pipeline,
        // and this runs on every confirmation while a start waits (tens of thousands on a large host)
        boolean waitedFor = health.anyStuck() ? !delivery.idleBut(health::isStuck) : !delivery.idle();
        if (waitedFor) {
            return;
        }
        long marked = health.anyStuck() ? delivery.appliedThrough() : ledger.lastSeq();
        if (ledger.appliedThrough() < marked) {
            scheduleFlush();
            return;
        }
        Settled settled = new Settled(ledger.lastSeq(), health.stuck());
        settledWaiters.forEach(waiter -> waiter.tell(StatusReply.success(settled)));
        settledWaiters.clear();
    }

    private void refuseSettledWaiters(String reason) {
        settledWaiters.forEach(waiter -> waiter.tell(StatusReply.error(reason)));
        settledWaiters.clear();
    }

    private ReplyEffect<KernelJournal, CoordinatorLedger> onAwaitQuiet(CoordinatorLedger ledger, AwaitQuiet await) {
        if (health.anyStuck()) {
            return Effect().reply(await.replyTo(), StatusReply.error(health.whyNotQuiet()));
        }
        quietWaiters.add(await.replyTo());
        deliver(delivery.releaseGathered(Instant.now()));
        releaseQuietWaiters(ledger);
        return Effect().noReply();
    }

    /**
     * Answers the quiet waiters once every entity has confirmed every decision and the journal says
     * so; when only that record is missing, it is written now.
     */
    private void releaseQuietWaiters(CoordinatorLedger ledger) {
        if (quietWaiters.isEmpty() || !delivery.idle() || !batch.isEmpty() || writing.isPresent()) {
            return;
        }
        if (ledger.appliedThrough() < ledger.lastSeq()) {
            scheduleFlush();
            return;
        }
        quietWaiters.forEach(waiter -> waiter.tell(StatusReply.success(ledger.lastSeq())));
        quietWaiters.clear();
    }

    private void refuseQuietWaiters(String reason) {
        quietWaiters.forEach(waiter -> waiter.tell(StatusReply.error(reason)));
        quietWaiters.clear();
    }

    /**
     * The journal failed the coordinator's write. The commands it would have recorded and those
     * decided against them since are not answered: their callers get an error now. The supervisor
     * then restarts the coordinator from its journal; the entities and the delivery keep going.
     */
    private void writeFailed(Throwable failure) {
        String cause = JournalFailures.describe(failure);
        log.writeFailed(cause);
        publishTrouble(failure);
        recovering = true;
        booting.ifPresent(caller -> caller.tell(StatusReply.error(
                "engine " + instance + " could not write its boot to" + " the journal (" + cause + ")")));
        booting = Optional.empty();
        writing.ifPresent(
                written -> refuse(
                        written,
                        "engine " + instance + " could not write to its journal (" + cause
                                + "); the operation was not answered and may not have happened: the engine restarts from its journal"));
        writing = Optional.empty();
        refuse(
                batch.drain(),
                "engine " + instance + " could not write to its journal (" + cause
                        + ") before this operation, which was decided after that write and is not recorded");
        decidedStates.clear();
        flushScheduled = false;
        refuseQuietWaiters("engine " + instance + " could not write to its journal (" + cause + ")");
        refuseSettledWaiters("engine " + instance + " could not write to its journal (" + cause + ")");
    }

    private void publishTrouble(Throwable failure) {
        publish(new JournalTrouble(instance, JournalFailures.describe(failure)));
    }

    private void publish(Object event) {
        context.getSystem()
                .eventStream()
                .tell(new org.apache.pekko.actor.typed.eventstream.EventStream.Publish<>(event));
    }

    private static void refuse(List<GroupCommit.Entry<ActorRef<StatusReply<Decision>>>> entries, String reason) {
        entries.stream()
                .filter(entry -> !entry.answered)
                .forEach(entry -> entry.callers.forEach(caller -> caller.tell(StatusReply.error(reason))));
    }

    /** Sends the batches, except to a stuck entity whose probe is not due: its batch stays in its pipeline. */
    private void deliver(List<DecisionDelivery.Batch> batches) {
        Instant now = health.anyStuck() ? Instant.now() : Instant.MIN;
        batches.forEach(part -> {
            if (health.admits(part.entity(), now)) {
                tell(part.entity(), new EntityActor.Apply(part.previous(), part.events(), reports));
            }
        });
        if (!delivery.anyGathered()) {
            return;
        }
        if (!quietWaiters.isEmpty() || !settledWaiters.isEmpty()) {
            deliver(delivery.releaseGathered(Instant.now())); // somebody waits for every entity
        } else if (!releaseScheduled) {
            releaseScheduled = true;
            timers.startSingleTimer(ReleaseGathered.NOW, settings.gatherFor());
        }
    }

    /** The entity's gathered parts go out now: somebody asks it something that must see them. */
    private void releaseGatheredFor(EntityId entity) {
        deliver(delivery.releaseGathered(entity, Instant.now()));
    }

    private void tell(EntityId entity, EntityActor.Message message) {
        entities.tell(entity, message, System.nanoTime());
    }

    @Override
    public EventHandler<CoordinatorLedger, KernelJournal> eventHandler() {
        EventHandler<CoordinatorLedger, KernelJournal> records = newEventHandlerBuilder()
                .forAnyState()
                .onEvent(KernelJournal.Header.class, (ledger, header) -> {
                    JournalFormat.requireReadable(header); // a newer format fails the recovery, naming both
                    return ledger;
                })
                .onEvent(KernelJournal.Started.class, (ledger, started) -> ledger.started(started.topology()))
                .onEvent(
                        KernelJournal.Decided.class,
                        (ledger, decided) -> ledger.decided(decided, decidedStates.remove(decided)))
                .onEvent(KernelJournal.Answered.class, CoordinatorLedger::answered)
                .onEvent(KernelJournal.AppliedThrough.class, (ledger, applied) -> ledger.appliedThrough(applied.seq()))
                .onEvent(KernelJournal.DecisionTaken.class, CoordinatorLedger::taken)
                .onEvent(KernelJournal.DecisionApplied.class, (ledger, applied) -> ledger.applied(applied.seq()))
                .build();
        return (ledger, record) -> {
            if (recovering) {
                log.replayed(); // how much a recovery read, for its log line
            }
            return records.apply(ledger, record);
        };
    }

    @Override
    public SignalHandler<CoordinatorLedger> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), ledger -> {
                    recovering = false;
                    log.recovered(ledger);
                    // decisions a crash (or a failed write) left without their effect: delivered again
                    deliver(delivery.recovered(ledger.lastSeq(), ledger.open().values(), Instant.now()));
                    // (re)started here: a restart after a failed write cancels the actor's timers
                    timers.startTimerWithFixedDelay(Tick.TICK, TICK_EVERY);
                })
                .onSignal(RecoveryFailed.class, (ledger, failed) -> {
                    log.refused(failed.getFailure());
                    publishTrouble(failed.getFailure());
                })
                .onSignal(JournalPersistFailed.class, (ledger, failed) -> writeFailed(failed.getFailure()))
                .onSignal(JournalPersistRejected.class, (ledger, rejected) -> writeFailed(rejected.getFailure()))
                .build();
    }

    /**
     * No record is tagged. The coordinator's own journal is the engine's timeline, in sequence-number
     * order, and nothing reads a tag. A tagged row cost the write its batch: the JDBC journal inserts a
     * write with any tag one row at a time, to get each row's generated ordering back for its row in the
     * tag table, where an untagged write is one batch insert. With about 25 decisions in a write, that
     * was 25 inserts and a tag batch instead of one batch, on the write every caller waits for.
     */
    @Override
    public Set<String> tagsFor(KernelJournal event) {
        return Set.of();
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return settings.coordinatorSnapshotEvery() > 0
                ? RetentionCriteria.snapshotEvery(settings.coordinatorSnapshotEvery(), 2)
                : RetentionCriteria.disabled();
    }

    /** Snapshots are {@link CoordinatorSnapshot}s; those of older versions are {@link CoordinatorState}s. */
    @Override
    public SnapshotAdapter<CoordinatorLedger> snapshotAdapter() {
        return new SnapshotAdapter<>() {
            @Override
            public Object toJournal(CoordinatorLedger ledger) {
                return ledger.snapshot();
            }

            @Override
            public CoordinatorLedger fromJournal(Object snapshot) {
                return CoordinatorLedger.of(snapshot);
            }
        };
    }

    /** The events of one entity in a decision, for tests and replay tools. */
    public static List<KernelEvent> eventsOf(KernelJournal.DecisionTaken decision, EntityId entity) {
        return EventRouting.split(decision.events()).getOrDefault(entity, List.of());
    }
}
