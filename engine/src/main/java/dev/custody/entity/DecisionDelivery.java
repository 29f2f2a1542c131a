package dev.custody.entity;

import dev.custody.model.event.KernelEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.TreeMap;

/**
 * How the coordinator's durable decisions reach the entities' journals, as plain bookkeeping: which
 * events each entity still has to write, what to send it next and when to send again, and how far
 * every entity has written ({@link #appliedThrough}). It holds no actors and reads no clock: the
 * coordinator passes the time in and carries out what it returns.
 *
 * <p>A decision is given here once it is on stable storage; its caller has been answered then, so
 * nothing here is on the answer path. Each entity is a pipeline: at most one batch is in flight to it,
 * and the parts of later decisions queue meanwhile and go out together in the next batch, so an entity
 * that falls behind writes many decisions in one journal write. A batch carries the last decision the
 * entity confirmed before it ({@link Batch#previous}), so an entity never applies a decision before an
 * earlier one it lost. A batch unconfirmed for {@link #RESEND_AFTER} is sent again; entities confirm
 * repeats without writing twice.
 *
 * <p>When it gathers ({@link #gathering()}), the parts of new decisions for an entity with nothing in
 * flight wait in its pipeline until {@link #releaseGathered} sends them: the coordinator releases them
 * a short while after the first one, so that an entity writes the decisions of that while in one
 * journal write, and at once for an entity somebody waits for. Each write costs an entity a journal
 * round trip and a few messages whatever its size, and the entities share the coordinator's CPU: under
 * load, gathering buys the callers throughput at the price of entities a few milliseconds behind.
 */
final class DecisionDelivery {

    /** How long a batch may stay unconfirmed before it is sent again. */
    static final Duration RESEND_AFTER = Duration.ofMillis(500);

    /**
     * The longest wait between two sends of a batch that stays unconfirmed: the wait doubles after each
     * send (500 ms, 1 s, 2 s, ...) and starts again at {@link #RESEND_AFTER} once the entity confirms.
     * Without it, a boot of a host of 16,384 groups (47,000 entities, all busy recovering) had every
     * batch sent again every 250 ms, and the reports to the resends overflowed the coordinator's stash.
     */
    static final Duration LONGEST_RESEND_WAIT = Duration.ofSeconds(16);

    /**
     * Failed writes in a row after which an entity counts as unable to write: whoever waits for the
     * engine to become quiet gets an error instead of waiting out a timeout. One failure is retried unseen.
     */
    static final int FAILED_WRITES_BEFORE_ERROR = 2;

    /** One entity's events of one or more decisions, in decision order, and the last decision it confirmed before them. */
    record Batch(EntityId entity, long previous, List<Stamped> events) {
        long lastSeq() {
            return events.getLast().seq();
        }
    }

    /** What one failed write means: the batch to send again at once, and whether the entity counts as unable to write. */
    record WriteFailure(List<Batch> resend, boolean cannotWrite, String reason) {}

    /** One entity's pipeline: what it confirmed, the batch in flight, and what waits behind it. */
    private static final class Pipeline {
        long confirmed = EntityActor.UNKNOWN_PREVIOUS;
        List<Stamped> sent = List.of();
        Instant sentAt = Instant.MIN;
        Duration resendWait = RESEND_AFTER;
        List<Stamped> queued = new ArrayList<>();
        int failedWrites;

        boolean idle() {
            return sent.isEmpty() && queued.isEmpty();
        }
    }

    private final Map<EntityId, Pipeline> pipelines = new HashMap<>();
    /** Whether new parts for an entity with nothing in flight wait for {@link #releaseGathered}. */
    private final boolean gathers;
    /** The entities whose gathered parts wait for {@link #releaseGathered}. */
    private final LinkedHashSet<EntityId> gathered = new LinkedHashSet<>();
    /** Every decision some entity has not confirmed yet, with how many entities still owe it. */
    private final TreeMap<Long, Integer> unapplied = new TreeMap<>();
    /** The newest decision given here. */
    private long newest;

    /** Sends each decision's parts as soon as it is given. */
    DecisionDelivery() {
        this(false);
    }

    private DecisionDelivery(boolean gathers) {
        this.gathers = gathers;
    }

    /** Gathers the parts of new decisions until {@link #releaseGathered}. */
    static DecisionDelivery gathering() {
        return new DecisionDelivery(true);
    }

    /** Delivers a decision that is on stable storage: the batches to send now (none while it gathers). */
    List<Batch> send(KernelJournal.DecisionTaken decision, Instant now) {
        if (unapplied.containsKey(decision.seq())) {
            return List.of(); // still in flight from before a restart of the coordinator
        }
        SequencedMap<EntityId, List<KernelEvent>> parts = EventRouting.split(decision.events());
        if (parts.isEmpty()) {
            newest = Math.max(newest, decision.seq());
            return List.of();
        }
        unapplied.put(decision.seq(), parts.size());
        newest = Math.max(newest, decision.seq());
        List<Batch> due = new ArrayList<>();
        parts.forEach((entity, events) -> {
            Pipeline pipeline = pipelines.computeIfAbsent(entity, e -> new Pipeline());
            boolean inOrder =
                    pipeline.queued.isEmpty() || pipeline.queued.getLast().seq() < decision.seq();
            events.forEach(event -> pipeline.queued.add(new Stamped(decision.seq(), event)));
            if (!inOrder) { // an older decision delivered again after a restart: batches stay in decision order
                pipeline.queued.sort(java.util.Comparator.comparingLong(Stamped::seq));
            }
            if (!pipeline.sent.isEmpty()) {
                return; // goes out when the batch in flight is confirmed
            }
            if (gathers) {
                gathered.add(entity);
            } else {
                due.add(dispatch(entity, pipeline, now));
            }
        });
        return due;
    }

    /** Some entity's parts wait for {@link #releaseGathered}. */
    boolean anyGathered() {
        return !gathered.isEmpty();
    }

    /** Every gathered part, one batch per entity that has nothing in flight (the others get theirs on confirmation). */
    List<Batch> releaseGathered(Instant now) {
        List<Batch> due = new ArrayList<>(gathered.size());
        for (EntityId entity : gathered) {
            dueBatch(entity, now).ifPresent(due::add);
        }
        gathered.clear();
        return due;
    }

    /** This entity's gathered parts, now: somebody waits for it. */
    List<Batch> releaseGathered(EntityId entity, Instant now) {
        if (!gathered.remove(entity)) {
            return List.of();
        }
        return dueBatch(entity, now).stream().toList();
    }

    private Optional<Batch> dueBatch(EntityId entity, Instant now) {
        Pipeline pipeline = pipelines.get(entity);
        if (pipeline == null || !pipeline.sent.isEmpty() || pipeline.queued.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(dispatch(entity, pipeline, now));
    }

    /** An entity confirmed that it has written every decision up to {@code seq}: its next batch, if one waits. */
    List<Batch> confirm(EntityId entity, long seq, Instant now) {
        Pipeline pipeline = pipelines.get(entity);
        if (pipeline == null
                || pipeline.sent.isEmpty()
                || seq < pipeline.sent.getLast().seq()) {
            return List.of(); // a repeat, or the answer to a batch sent before the last one
        }
        long last = -1;
        for (Stamped part : pipeline.sent) {
            if (part.seq() != last) {
                last = part.seq();
                unapplied.computeIfPresent(last, (decision, owed) -> owed == 1 ? null : owed - 1);
            }
        }
        pipeline.confirmed = Math.max(pipeline.confirmed, last);
        pipeline.sent = List.of();
        pipeline.resendWait = RESEND_AFTER;
        pipeline.failedWrites = 0;
        return pipeline.queued.isEmpty() ? List.of() : List.of(dispatch(entity, pipeline, now));
    }

    /** The batches unconfirmed for their wait ({@link #RESEND_AFTER}, doubled by each resend) since they were sent. */
    List<Batch> resendsDue(Instant now) {
        List<Batch> due = new ArrayList<>();
        pipelines.forEach((entity, pipeline) -> {
            if (!pipeline.sent.isEmpty()
                    && !Duration.between(pipeline.sentAt, now)
                            .minus(pipeline.resendWait)
                            .isNegative()) {
                pipeline.sentAt = now;
                Duration doubled = pipeline.resendWait.multipliedBy(2);
                pipeline.resendWait = doubled.compareTo(LONGEST_RESEND_WAIT) > 0 ? LONGEST_RESEND_WAIT : doubled;
                due.add(new Batch(entity, pipeline.confirmed, pipeline.sent));
            }
        });
        return due;
    }

    /**
     * An entity's write of the batch ending at {@code seq} failed ({@code cause}); it restarts and
     * recovers, and its batch is sent again at once (it takes it after the restart).
     */
    WriteFailure writeFailed(EntityId entity, long seq, String cause, Instant now) {
        Pipeline pipeline = pipelines.get(entity);
        if (pipeline == null || pipeline.sent.isEmpty()) {
            return new WriteFailure(List.of(), false, "");
        }
        pipeline.failedWrites++;
        pipeline.sentAt = now;
        String reason = entity.kind().name().toLowerCase() + " " + entity.key() + " cannot write to the journal ("
                + pipeline.failedWrites + " failed writes in a row; the last: " + cause + ")";
        return new WriteFailure(
                List.of(new Batch(entity, pipeline.confirmed, pipeline.sent)),
                pipeline.failedWrites >= FAILED_WRITES_BEFORE_ERROR,
                reason);
    }

    /**
     * The journal as the coordinator recovered it (at its start, or after a restart): the open
     * decisions are delivered again, those still in flight here excepted. The first batch an entity
     * gets after a start carries "previous unknown": every decision before the open ones is applied,
     * and the open ones follow in order.
     */
    List<Batch> recovered(long lastSeq, Iterable<KernelJournal.DecisionTaken> open, Instant now) {
        newest = Math.max(newest, lastSeq);
        List<Batch> due = new ArrayList<>();
        for (KernelJournal.DecisionTaken decision : open) {
            due.addAll(send(decision, now));
        }
        return due;
    }

    /** Every decision up to this one is written by every entity it concerns. */
    long appliedThrough() {
        return unapplied.isEmpty() ? newest : unapplied.firstKey() - 1;
    }

    /** The last decision sent to or queued for this entity; 0 when none is (every earlier one is confirmed). */
    long lastSentTo(EntityId entity) {
        Pipeline pipeline = pipelines.get(entity);
        if (pipeline == null) {
            return 0;
        }
        if (!pipeline.queued.isEmpty()) {
            return pipeline.queued.getLast().seq();
        }
        return pipeline.sent.isEmpty()
                ? Math.max(0, pipeline.confirmed)
                : pipeline.sent.getLast().seq();
    }

    /** Nothing is sent to or queued for this entity. */
    boolean idle(EntityId entity) {
        Pipeline pipeline = pipelines.get(entity);
        return pipeline == null || pipeline.idle();
    }

    /** The entity is stopped while idle: the next decision for it starts a pipeline with "previous unknown". */
    void forget(EntityId entity) {
        Pipeline pipeline = pipelines.get(entity);
        if (pipeline != null && pipeline.idle()) {
            pipelines.remove(entity);
        }
    }

    /** No decision waits for an entity. */
    boolean idle() {
        return unapplied.isEmpty();
    }

    /** No decision waits for an entity, except for the entities {@code excepted} names. */
    boolean idleBut(java.util.function.Predicate<EntityId> excepted) {
        return unapplied.isEmpty()
                || pipelines.entrySet().stream()
                        .allMatch(entry -> entry.getValue().idle() || excepted.test(entry.getKey()));
    }

    /** Decisions some entity has not confirmed yet. */
    int unappliedCount() {
        return unapplied.size();
    }

    private static Batch dispatch(EntityId entity, Pipeline pipeline, Instant now) {
        pipeline.sent = List.copyOf(pipeline.queued);
        pipeline.queued = new ArrayList<>();
        pipeline.sentAt = now;
        return new Batch(entity, pipeline.confirmed, pipeline.sent);
    }
}
