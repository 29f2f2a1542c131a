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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
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
 * short is re-driven when the coordinator recovers. Writes are group commits ({@link GroupCommit}):
 * the intents decided and the marks confirmed while one write is under way share the next one, so
 * throughput is not bounded by one journal round trip per decision and per mark.
 */
public final class KernelCoordinator
        extends EventSourcedBehaviorWithEnforcedReplies<KernelCoordinator.Message, KernelJournal, CoordinatorState> {

    public sealed interface Message {}

    /** Boots the machine on first start; on a journal that exists, checks it belongs to the topology. */
    public record Start(Topology topology, ActorRef<Decision> replyTo) implements Message {}

    public record Execute(Command<?> command, String operationId, ActorRef<Decision> replyTo) implements Message {}

    public record GetKernel(ActorRef<Optional<KernelState>> replyTo) implements Message {}

    /** Answers once no decision waits for its entities: what a clean shutdown or a test waits for. */
    public record AwaitQuiet(ActorRef<Long> replyTo) implements Message {}

    /** Asks one entity for its own state (recovering it from its journal if it is not running). */
    public record InspectEntity(EntityId entity, ActorRef<EntityState> replyTo) implements Message {}

    /** Every decision made durable from now on is told to the subscriber, in decision order. */
    public record Subscribe(ActorRef<KernelJournal.DecisionTaken> subscriber) implements Message {}

    public record Unsubscribe(ActorRef<KernelJournal.DecisionTaken> subscriber) implements Message {}

    /** Translates an IOVA through a domain actor's real page table. */
    public record TranslateInDomain(dev.custody.model.DomainId domain, long iova, ActorRef<Long> replyTo) implements Message {}

    /** The leaves and checksum of a domain actor's real page table, after every decision the model has made. */
    public record DumpDomainTable(dev.custody.model.DomainId domain, ActorRef<Optional<TableDump>> replyTo) implements Message {}

    /** Stops the engine's actors; the journal keeps everything for the next start. */
    public record Stop(ActorRef<Long> replyTo) implements Message {}

    private record EntityApplied(EntityActor.Applied applied) implements Message {}

    /** A domain actor's page table answered a read the model had decided (or did not answer in time). */
    private record TableAnswered(ActorRef<Decision> caller, Decision modelDecision, Optional<Long> paddr,
                                 Optional<Throwable> failure) implements Message {}

    /** How long a page-table read may wait for its domain actor (which may first recover from the journal). */
    static final Duration TABLE_READ_TIMEOUT = Duration.ofSeconds(30);

    /** Re-sends the applies of decisions still unconfirmed since the last tick (a lost message, a crashed entity). */
    private enum Redrive implements Message { TICK }

    /** Writes what {@link GroupCommit} holds; sent to itself, so it comes after every command already waiting. */
    private enum Flush implements Message { NOW }

    static final Duration REDRIVE_EVERY = Duration.ofMillis(500);

    /** The tag on every decision, so one ordered timeline of the engine can be read back. */
    public static final String TAG = "custody";


    private final ActorContext<Message> context;
    private final String instance;
    private final ActorRef<EntityActor.Applied> ackAdapter;
    private final Map<EntityId, ActorRef<EntityActor.Message>> entities = new HashMap<>();
    private final Map<Long, InFlight> inFlight = new HashMap<>();
    private final List<AwaitQuiet> quietWaiters = new java.util.ArrayList<>();
    private final GroupCommit batch = new GroupCommit();
    /**
     * The kernel state each intent being written leads to, as the rules already computed it when
     * deciding: the event handler takes it instead of folding the events a second time on the one
     * actor every decision passes through. Identity-keyed; empty during recovery, which folds.
     */
    private final Map<KernelJournal.DecisionTaken, KernelState> decidedStates = new java.util.IdentityHashMap<>();
    private boolean flushScheduled;

    /** A decision whose entity writes are not all confirmed, and who waits for it. */
    private record InFlight(KernelJournal.DecisionTaken taken, Set<EntityId> waiting, Optional<ActorRef<Decision>> caller,
                            Optional<Decision> decision, Map<EntityId, Long> previous) {}

    /**
     * For each entity, the last decision sent to it: every Apply names its entity's previous decision,
     * so an entity never applies a decision before an earlier one it lost (a failed write, a lost message).
     */
    private final Map<EntityId, Long> lastSent = new HashMap<>();

    /** What recovery found already applied: decisions up to {@code recoveredLastSeq} not left open. */
    private long recoveredLastSeq;
    private Set<Long> openAtRecovery = Set.of();

    private record EntityStopped(EntityId entity) implements Message {}

    private final Set<ActorRef<KernelJournal.DecisionTaken>> subscribers = new java.util.LinkedHashSet<>();

    /** Applied decisions waiting for an earlier one: subscribers hear about decisions in sequence order. */
    private final java.util.TreeMap<Long, KernelJournal.DecisionTaken> unpublished = new java.util.TreeMap<>();
    private long nextToPublish = 1;

    /** {@code snapshotEvery}: events between snapshots, 0 when the journal has no snapshot store. */
    public static Behavior<Message> create(String instance, int snapshotEvery) {
        return Behaviors.withTimers(timers -> Behaviors.setup(context -> {
            timers.startTimerWithFixedDelay(Redrive.TICK, REDRIVE_EVERY);
            return new KernelCoordinator(context, instance, snapshotEvery);
        }));
    }

    private Set<Long> unconfirmedAtLastTick = Set.of();

    /** Events between snapshots for the coordinator and its entities; 0 for none. */
    private final int snapshotEvery;

    private KernelCoordinator(ActorContext<Message> context, String instance, int snapshotEvery) {
        super(PersistenceId.ofUniqueId(instance + "|kernel"));
        this.context = context;
        this.instance = instance;
        this.snapshotEvery = snapshotEvery;
        this.ackAdapter = context.messageAdapter(EntityActor.Applied.class, EntityApplied::new);
    }

    @Override
    public CoordinatorState emptyState() {
        return CoordinatorState.empty();
    }

    @Override
    public CommandHandlerWithReply<Message, KernelJournal, CoordinatorState> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(Start.class, this::onStart)
                .onCommand(Execute.class, this::onExecute)
                .onCommand(GetKernel.class, (state, get) -> Effect().reply(get.replyTo(), state.kernel()))
                .onCommand(AwaitQuiet.class, this::onAwaitQuiet)
                .onCommand(EntityApplied.class, this::onEntityApplied)
                .onCommand(Flush.class, (state, flush) -> onFlush())
                .onCommand(InspectEntity.class, (state, inspect) -> {
                    entity(inspect.entity()).tell(new EntityActor.Inspect(inspect.replyTo()));
                    return Effect().noReply();
                })
                .onCommand(TranslateInDomain.class, (state, translate) -> {
                    EntityId domain = EntityId.of(translate.domain());
                    entity(domain).tell(new EntityActor.Translate(translate.iova(), lastDecisionFor(domain), translate.replyTo()));
                    return Effect().noReply();
                })
                .onCommand(DumpDomainTable.class, (state, dump) -> {
                    EntityId domain = EntityId.of(dump.domain());
                    entity(domain).tell(new EntityActor.DumpTable(lastDecisionFor(domain), dump.replyTo()));
                    return Effect().noReply();
                })
                .onCommand(TableAnswered.class, (state, answered) -> {
                    answered.caller().tell(tableAnswer(answered));
                    return Effect().noReply();
                })
                .onCommand(EntityStopped.class, (state, stopped) -> {
                    entities.remove(stopped.entity()); // the re-drive tick sends again, to a fresh one
                    return Effect().noReply();
                })
                .onCommand(Redrive.class, (state, tick) -> {
                    redrive(state);
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
            Outcome<Reply> answer = same ? Outcome.ok(Reply.NONE)
                    : Outcome.fail(Errno.EINVAL, "the journal of engine " + instance + " belongs to another topology");
            return Effect().reply(start.replyTo(), new Decision(List.of(), answer, state.kernel().get()));
        }
        Decision boot = Kernel.boot(start.topology());
        if (!boot.outcome().isOk()) {
            return Effect().reply(start.replyTo(), boot);
        }
        KernelJournal.DecisionTaken decision = new KernelJournal.DecisionTaken(1, "boot", boot.events());
        return Effect().persist(List.of(new KernelJournal.Started(start.topology()), decision))
                .thenRun(after -> fanOut(decision, Optional.of(start.replyTo()), Optional.of(boot)))
                .thenNoReply();
    }

    private ReplyEffect<KernelJournal, CoordinatorState> onExecute(CoordinatorState state, Execute execute) {
        if (state.kernel().isEmpty()) {
            return Effect().reply(execute.replyTo(), new Decision(List.of(),
                    Outcome.fail(Errno.ENODEV, "engine " + instance + " has not been started"), KernelState.empty(
                            new Topology(new java.util.LinkedHashMap<>(), new java.util.LinkedHashMap<>(),
                                    new java.util.LinkedHashMap<>()))));
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
                return Effect().reply(execute.replyTo(), decision); // nothing changed, nothing to make durable
            }
            batch.answer(execute.replyTo(), decision); // it saw intents not yet written: answer after them
            return Effect().noReply();
        }
        KernelJournal.DecisionTaken taken = new KernelJournal.DecisionTaken(batch.nextSeq(state.lastSeq()),
                execute.operationId(), decision.events());
        batch.intent(taken, execute.replyTo(), decision);
        scheduleFlush();
        return Effect().noReply();
    }

    /**
     * Asks the domain actor's real page table, after every decision sent or about to be sent to it:
     * the model has decided against those, so the table must have applied them too.
     */
    private void readPageTable(PageTableRead read, ActorRef<Decision> caller, Decision modelDecision) {
        EntityId domain = EntityId.of(read.domain());
        long after = lastDecisionFor(domain);
        context.ask(Long.class, entity(domain), TABLE_READ_TIMEOUT,
                replyTo -> new EntityActor.Translate(read.iova(), after, replyTo),
                (paddr, failure) -> new TableAnswered(caller, modelDecision, Optional.ofNullable(paddr),
                        Optional.ofNullable(failure)));
    }

    /** The last decision with events for this entity, sent to it or still waiting for its write; 0 for none. */
    private long lastDecisionFor(EntityId entity) {
        long sent = lastSent.getOrDefault(entity, 0L);
        return Math.max(sent == EntityActor.UNKNOWN_PREVIOUS ? 0 : sent, batch.lastIntentFor(entity));
    }

    /** The table's answer in the model's reply shape; a table that did not answer is a fault, said as such. */
    private static Decision tableAnswer(TableAnswered answered) {
        Outcome<Reply> outcome = answered.paddr()
                .<Outcome<Reply>>map(paddr -> Outcome.ok(new Reply.Amount("paddr", paddr)))
                .orElseGet(() -> Outcome.fail(Errno.EAGAIN, "the page table of the domain did not answer: "
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
     * then the intents fan out and the confirmed decisions' callers are answered.
     */
    private ReplyEffect<KernelJournal, CoordinatorState> onFlush() {
        flushScheduled = false;
        if (batch.isEmpty()) {
            return Effect().noReply();
        }
        GroupCommit.Written written = batch.drain();
        written.intents().forEach(intent -> decidedStates.put(intent.taken(), intent.decision().state()));
        return Effect().persist(written.records())
                .thenRun(after -> {
                    for (GroupCommit.Confirmed done : written.marks()) {
                        done.caller().ifPresent(caller -> caller.tell(done.decision().orElseThrow()));
                        publishInOrder(done.taken());
                    }
                    for (GroupCommit.Intent intent : written.intents()) {
                        fanOut(intent.taken(), Optional.of(intent.caller()), Optional.of(intent.decision()));
                    }
                    written.answers().forEach(answer -> answer.caller().tell(answer.decision()));
                    releaseQuietWaiters(after);
                })
                .thenNoReply();
    }

    private ReplyEffect<KernelJournal, CoordinatorState> onEntityApplied(CoordinatorState state, EntityApplied message) {
        long seq = message.applied().seq();
        InFlight flight = inFlight.get(seq);
        if (flight == null) {
            return Effect().noReply();
        }
        flight.waiting().remove(message.applied().entity());
        if (!flight.waiting().isEmpty()) {
            return Effect().noReply();
        }
        inFlight.remove(seq);
        batch.confirmed(new GroupCommit.Confirmed(flight.taken(), flight.caller(), flight.decision()));
        scheduleFlush(); // the mark shares the next write with other marks and new intents
        return Effect().noReply();
    }

    private ReplyEffect<KernelJournal, CoordinatorState> onAwaitQuiet(CoordinatorState state, AwaitQuiet await) {
        if (quiet()) {
            return Effect().reply(await.replyTo(), state.lastSeq());
        }
        quietWaiters.add(await);
        return Effect().noReply();
    }

    /** Entities confirm decisions in any order; the change stream must follow the journal's. */
    private void publishInOrder(KernelJournal.DecisionTaken applied) {
        unpublished.put(applied.seq(), applied);
        while (true) {
            // decisions applied before a crash are never confirmed again: step over them
            while (nextToPublish <= recoveredLastSeq && !openAtRecovery.contains(nextToPublish)) {
                nextToPublish++;
            }
            if (unpublished.isEmpty() || unpublished.firstKey() > nextToPublish) {
                break;
            }
            KernelJournal.DecisionTaken next = unpublished.pollFirstEntry().getValue();
            subscribers.forEach(subscriber -> subscriber.tell(next));
            nextToPublish = next.seq() + 1;
        }
    }

    /** No decision waits for its entities, its write or its mark. */
    private boolean quiet() {
        return inFlight.isEmpty() && batch.isEmpty();
    }

    private void releaseQuietWaiters(CoordinatorState state) {
        if (quiet()) {
            quietWaiters.forEach(w -> w.replyTo().tell(state.lastSeq()));
            quietWaiters.clear();
        }
    }

    private void redrive(CoordinatorState state) {
        for (long seq : new java.util.TreeSet<>(unconfirmedAtLastTick)) { // oldest first: entities apply in order
            InFlight flight = inFlight.get(seq);
            if (flight != null) {
                var byEntity = EventRouting.split(flight.taken().events());
                flight.waiting().forEach(entity -> entity(entity).tell(
                        new EntityActor.Apply(seq, flight.previous().get(entity), byEntity.get(entity), ackAdapter)));
            }
        }
        unconfirmedAtLastTick = Set.copyOf(inFlight.keySet());
    }

    /** Sends each entity its events of the decision; the caller hears back when all have persisted. */
    private void fanOut(KernelJournal.DecisionTaken decision, Optional<ActorRef<Decision>> caller,
                        Optional<Decision> answer) {
        var byEntity = EventRouting.split(decision.events());
        Map<EntityId, Long> previous = new HashMap<>();
        byEntity.keySet().forEach(entity -> previous.put(entity, lastSent.getOrDefault(entity, EntityActor.UNKNOWN_PREVIOUS)));
        byEntity.keySet().forEach(entity -> lastSent.put(entity, decision.seq()));
        inFlight.put(decision.seq(), new InFlight(decision, new HashSet<>(byEntity.keySet()), caller, answer, previous));
        byEntity.forEach((entity, events) ->
                entity(entity).tell(new EntityActor.Apply(decision.seq(), previous.get(entity), events, ackAdapter)));
    }

    private ActorRef<EntityActor.Message> entity(EntityId id) {
        return entities.computeIfAbsent(id, e -> {
            ActorRef<EntityActor.Message> child = context.spawn(EntityActor.create(instance, e, snapshotEvery), e.actorName());
            context.watchWith(child, new EntityStopped(e)); // a stopped entity is started again on next use
            return child;
        });
    }

    @Override
    public EventHandler<CoordinatorState, KernelJournal> eventHandler() {
        return newEventHandlerBuilder().forAnyState()
                .onEvent(KernelJournal.Started.class, (state, started) -> state.started(KernelState.empty(started.topology())))
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
                    recoveredLastSeq = state.lastSeq();
                    openAtRecovery = Set.copyOf(state.open().keySet());
                    nextToPublish = state.open().isEmpty() ? state.lastSeq() + 1 : state.open().firstKey();
                    // intents a crash left without their effect: drive them again (entities ignore repeats)
                    state.open().values().forEach(open -> fanOut(open, Optional.empty(), Optional.empty()));
                })
                .build();
    }

    /**
     * Decisions (and the machine they are about) are the timeline; the applied marks are bookkeeping,
     * and an untagged row is cheaper to write (a tagged one also needs its generated ordering back
     * for the tag table).
     */
    @Override
    public java.util.Set<String> tagsFor(KernelJournal event) {
        return event instanceof KernelJournal.DecisionApplied ? java.util.Set.of() : java.util.Set.of(TAG);
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
