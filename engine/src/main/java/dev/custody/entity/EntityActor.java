package dev.custody.entity;

import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.JournalPersistFailed;
import org.apache.pekko.persistence.typed.JournalPersistRejected;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.slf4j.event.Level;

/**
 * One device, group, domain or file as an event-sourced actor: it persists its events of the
 * coordinator's decisions, many decisions in one write when it has fallen behind, and answers for its
 * own state. A decision it has already written (delivered again after a crash or a lost message) is
 * confirmed without writing twice: its journal is derived from the coordinator's, by decision number.
 * A write the journal fails is reported to the coordinator; the actor then restarts with backoff,
 * recovers from its journal, and takes the batch again when the coordinator sends it again. The
 * coordinator stops it when it has been idle for a while and starts it again on the next use. A
 * recovery that fails (a record it cannot read, a journal that does not answer) is reported to the
 * coordinator too; the supervisor restarts the actor with backoff until the coordinator, after a few
 * failures in a row, counts it as stuck and stops it ({@link EntityHealth}).
 */
public final class EntityActor
        extends EventSourcedBehaviorWithEnforcedReplies<EntityActor.Message, Stamped, EntityState> {

    public sealed interface Message {}

    /**
     * Persist these events (of one or more decisions, in decision order), then confirm the last
     * decision. {@code previous} is the last decision this entity confirmed before them ({@link
     * #UNKNOWN_PREVIOUS} when the coordinator cannot know, after a recovery or a stop, in which case
     * every earlier one was applied).
     */
    public record Apply(long previous, List<Stamped> events, ActorRef<Report> replyTo) implements Message {
        public Apply {
            events = List.copyOf(events);
        }

        long lastSeq() {
            return events.getLast().seq();
        }
    }

    /** Stop: the coordinator has nothing in flight for this entity and will start it again when it needs it. */
    public enum Passivate implements Message {
        NOW
    }

    public static final long UNKNOWN_PREVIOUS = -1;

    /** What an entity tells the coordinator about a decision sent to it. */
    public sealed interface Report {}

    /** Every decision up to {@code seq} sent to this entity is persisted (now, or before a crash). */
    public record Applied(EntityId entity, long seq) implements Report {}

    /** The journal failed the write of the batch ending at decision {@code seq}; the entity restarts and recovers. */
    public record WriteFailed(EntityId entity, long seq, String cause) implements Report {}

    /**
     * The entity could not recover from its journal ({@code reason}: the journal's refusal, naming the
     * row when it knows it); its supervisor restarts it with backoff until the coordinator stops it.
     */
    public record RecoveryRefused(EntityId entity, String reason) implements Report {}

    /** The entity recovered after one or more refused recoveries. */
    public record Recovered(EntityId entity) implements Report {}

    public record Inspect(ActorRef<EntityState> replyTo) implements Message {}

    /**
     * iova_to_phys through this domain's real page table (0 when unmapped or not a paging domain), once
     * decision {@code afterSeq} is applied: the coordinator may ask before that decision's events arrive.
     */
    public record Translate(long iova, long afterSeq, ActorRef<Long> replyTo) implements Message {}

    /** This domain's real page table, once decision {@code afterSeq} is applied; empty when it has none. */
    public record DumpTable(long afterSeq, ActorRef<java.util.Optional<TableDump>> replyTo) implements Message {}

    /** The real page table of a paging domain somebody maps; built after recovery, closed when the actor stops. */
    private Optional<DomainPageTable> pageTable = Optional.empty();

    /** The decision whose write is under way: the one a journal failure is about. */
    private Optional<Apply> writing = Optional.empty();

    /**
     * A journal failure (a recovery or a write the journal failed) restarts the entity with backoff.
     * Each has its own WARN line, without a stack trace: a failed recovery this actor's (the persistence
     * id, the row and the reason), a failed write the coordinator's. So the supervisor's own line, with
     * the whole stack trace, is at DEBUG: at its default, ERROR, every failed recovery of a torn row
     * wrote some forty lines. Failures other than the journal's are not this supervisor's and keep
     * Pekko's ERROR with the stack trace.
     */
    static final BackoffSupervisorStrategy RESTART_AFTER_JOURNAL_FAILURE = SupervisorStrategy.restartWithBackoff(
                    Duration.ofMillis(50), Duration.ofSeconds(2), 0.2)
            .withLogLevel(Level.DEBUG);

    private final EntityId id;

    private final int snapshotEvery;

    /** Where a refused recovery is reported: the coordinator, which alone can tell a stuck entity from a slow one. */
    private final ActorRef<Report> health;

    /**
     * The refusal last reported (the fields of this object outlive the supervisor's restarts): Pekko
     * signals one failed recovery twice, with the cause and then wrapped in the exception it throws,
     * and it is counted once.
     */
    private Optional<Throwable> refused = Optional.empty();

    /**
     * Whether a recovery that succeeds is to be reported although this incarnation saw no failure: it
     * is the probe of an entity the coordinator counts as stuck, or follows failed recoveries of an
     * earlier incarnation.
     */
    private boolean failedBefore;

    /**
     * {@code snapshotEvery}: events between snapshots, 0 for none (a journal without a snapshot store);
     * {@code health}: told of every failed recovery, and of a recovery after failed ones ({@code
     * failedBefore}: earlier incarnations failed theirs).
     */
    public static Behavior<Message> create(
            String instance, EntityId id, int snapshotEvery, ActorRef<Report> health, boolean failedBefore) {
        return Behaviors.setup(context -> {
            NamedLogger.set(context, EntityActor.class); // spares Pekko a stack walk per entity started
            return new EntityActor(instance, id, snapshotEvery, health, failedBefore);
        });
    }

    private EntityActor(
            String instance, EntityId id, int snapshotEvery, ActorRef<Report> health, boolean failedBefore) {
        // a failed write restarts the entity, which recovers from its journal; the coordinator re-sends
        super(PersistenceId.ofUniqueId(id.persistenceId(instance)), RESTART_AFTER_JOURNAL_FAILURE);
        this.id = id;
        this.snapshotEvery = snapshotEvery;
        this.health = health;
        this.failedBefore = failedBefore;
    }

    @Override
    public EntityState emptyState() {
        return EntityState.initial(id);
    }

    @Override
    public CommandHandlerWithReply<Message, Stamped, EntityState> commandHandler() {
        return newCommandHandlerWithReplyBuilder()
                .forAnyState()
                .onCommand(Apply.class, this::onApply)
                .onCommand(Passivate.class, (state, stop) -> Effect().stop().thenNoReply())
                .onCommand(Inspect.class, (state, inspect) -> Effect().reply(inspect.replyTo(), state))
                .onCommand(Translate.class, this::onTranslate)
                .onCommand(
                        DumpTable.class,
                        (state, dump) -> state.lastSeq() < dump.afterSeq()
                                ? Effect().stash()
                                : Effect().reply(dump.replyTo(), pageTable.map(DomainPageTable::dump)))
                .build();
    }

    private ReplyEffect<Stamped, EntityState> onTranslate(EntityState state, Translate translate) {
        if (state.lastSeq() < translate.afterSeq()) {
            return Effect().stash(); // answered after the Apply that brings the decision it must see
        }
        return Effect()
                .reply(
                        translate.replyTo(),
                        pageTable.map(t -> t.translate(translate.iova())).orElse(0L));
    }

    private ReplyEffect<Stamped, EntityState> onApply(EntityState state, Apply apply) {
        Applied ack = new Applied(id, apply.lastSeq());
        if (apply.lastSeq() <= state.lastSeq()) {
            return Effect().reply(apply.replyTo(), ack); // already persisted before a crash: idempotent
        }
        if (apply.previous() != UNKNOWN_PREVIOUS && apply.previous() > state.lastSeq()) {
            // an earlier decision for this entity is missing (its write failed, its message was lost):
            // applying this one first would make the earlier one look like a repeat and lose it
            return Effect().noReply();
        }
        List<Stamped> records = newEvents(state, apply.events());
        List<KernelEvent> events = records.stream().map(Stamped::event).toList();
        writing = Optional.of(apply);
        return Effect()
                .persist(records)
                .thenRun(persisted -> {
                    writing = Optional.empty();
                    followPageTable(persisted, events);
                })
                .thenReply(apply.replyTo(), persisted -> ack)
                .thenUnstashAll(); // translations waiting for these decisions
    }

    /**
     * The events of decisions this entity has not written yet. A decision an older version left open
     * may hold events in an older form: the current form is journaled, upcast with the slice each
     * event applies to.
     */
    private static List<Stamped> newEvents(EntityState state, List<Stamped> events) {
        List<Stamped> fresh = new java.util.ArrayList<>(events.size());
        KernelState slice = state.slice();
        boolean legacy = events.stream().anyMatch(s -> s.event() instanceof dev.custody.model.event.LegacyEvent);
        for (Stamped stamped : events) {
            if (stamped.seq() <= state.lastSeq()) {
                continue;
            }
            if (!legacy) {
                fresh.add(stamped);
                continue;
            }
            for (KernelEvent event : LegacyEvents.upcast(slice, stamped.event())) {
                fresh.add(new Stamped(stamped.seq(), event));
                slice = slice.apply(event);
            }
        }
        return fresh;
    }

    /** Keeps the real page table in step with the persisted mapping set, and checks it against it. */
    private void followPageTable(EntityState state, List<KernelEvent> events) {
        if (id.kind() != EntityId.Kind.DOMAIN) {
            return;
        }
        if (pageTable.isEmpty()) {
            pageTable = DomainPageTable.of(state.slice()); // allocated by this decision
        } else if (DomainPageTable.mappingsOf(state.slice()).isEmpty()) {
            pageTable.get().close(); // freed
            pageTable = Optional.empty();
        } else {
            events.forEach(pageTable.get()::apply);
        }
        pageTable.ifPresent(table -> table.differenceFrom(
                        DomainPageTable.mappingsOf(state.slice()).orElseThrow())
                .ifPresent(difference -> {
                    throw new IllegalStateException("domain " + id.key() + ": " + difference);
                }));
    }

    @Override
    public SignalHandler<EntityState> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), state -> {
                    if (refused.isPresent() || failedBefore) {
                        refused = Optional.empty();
                        failedBefore = false;
                        health.tell(new Recovered(id));
                    }
                    if (id.kind() == EntityId.Kind.DOMAIN) {
                        pageTable.ifPresent(DomainPageTable::close);
                        // rebuilt from the journaled mapping set, then proven equal to it
                        pageTable = DomainPageTable.of(state.slice());
                        pageTable.ifPresent(table -> table.differenceFrom(DomainPageTable.mappingsOf(state.slice())
                                        .orElseThrow())
                                .ifPresent(difference -> {
                                    throw new IllegalStateException("domain " + id.key() + " recovered a page table "
                                            + "that differs from its journal: " + difference);
                                }));
                    }
                })
                .onSignal(RecoveryFailed.class, (state, failed) -> reportRecoveryFailed(failed.getFailure()))
                .onSignal(JournalPersistFailed.class, (state, failed) -> reportWriteFailed(failed.getFailure()))
                .onSignal(JournalPersistRejected.class, (state, rejected) -> reportWriteFailed(rejected.getFailure()))
                .onSignal(PostStop.instance(), state -> pageTable.ifPresent(DomainPageTable::close))
                .build();
    }

    /**
     * Tells the coordinator, which counts the failures in a row and stops the actor once it is stuck,
     * rather than letting the supervisor restart it forever in silence.
     */
    private void reportRecoveryFailed(Throwable failure) {
        // the wrapper of the failure just reported (a journal's failure may be one shared instance,
        // signalled as it is by every recovery it fails: only its wrapping is the same failure again)
        boolean wrapped =
                refused.filter(last -> last != failure && causes(last, failure)).isPresent();
        if (wrapped) {
            return;
        }
        refused = Optional.of(failure);
        String reason = JournalFailures.describe(failure);
        CoordinatorLog.LOG.warn(
                "{} could not recover from its journal: {}; it is restarted with backoff, and is stuck after {} such"
                        + " failures in a row",
                persistenceId().id(),
                reason,
                EntityHealth.FAILED_RECOVERIES_BEFORE_STUCK);
        CoordinatorLog.LOG.debug("{}: the failed recovery", persistenceId().id(), failure);
        health.tell(new RecoveryRefused(id, reason));
    }

    /** Whether {@code cause} is {@code failure} or in its chain of causes. */
    private static boolean causes(Throwable cause, Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 32; t = t.getCause(), depth++) { // a cycle ends too
            if (t == cause) {
                return true;
            }
        }
        return false;
    }

    /** Tells the coordinator at once, so its callers need not wait for a confirmation that cannot come. */
    private void reportWriteFailed(Throwable failure) {
        writing.ifPresent(
                apply -> apply.replyTo().tell(new WriteFailed(id, apply.lastSeq(), JournalFailures.describe(failure))));
        writing = Optional.empty();
    }

    @Override
    public EventHandler<EntityState, Stamped> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent(EntityState::apply);
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return snapshotEvery > 0 ? RetentionCriteria.snapshotEvery(snapshotEvery, 2) : RetentionCriteria.disabled();
    }
}
