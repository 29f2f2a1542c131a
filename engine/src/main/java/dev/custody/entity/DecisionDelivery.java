package dev.custody.entity;

import dev.custody.model.event.KernelEvent;
import dev.custody.rules.Decision;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The coordinator's delivery protocol as plain bookkeeping: which entities still owe a confirmation
 * of which decision, what to send again and when, whose callers get an error when an entity cannot
 * write, and which decisions may be published, in decision order. It holds no actors and reads no
 * clock: the coordinator passes the time in and carries out what it returns.
 *
 * <p>A decision is given here once its intent is durable. Each entity it concerns gets its part
 * together with the decision sent to that entity before it ({@link Part#previous}), so an entity never
 * applies a decision before an earlier one it lost. Parts unconfirmed for {@link #RESEND_AFTER} are
 * sent again (a lost message, an entity restarted after a failed write); entities acknowledge repeats
 * without writing twice. A decision is confirmed when every entity has confirmed its part; after its
 * mark is durable it is published, never before an earlier decision.
 *
 * @param <C> who waits for a decision's answer: an actor in the engine, anything in a test
 */
final class DecisionDelivery<C> {

    /** How long a part may stay unconfirmed before it is sent again. */
    static final Duration RESEND_AFTER = Duration.ofMillis(500);

    /**
     * Failed writes in a row after which an entity counts as unable to write: the callers waiting for
     * it get an error instead of waiting out their timeout. One failure is retried unseen.
     */
    static final int FAILED_WRITES_BEFORE_ERROR = 2;

    /** One entity's events of decision {@code seq}, and the decision sent to that entity before it. */
    record Part(EntityId entity, long seq, long previous, List<KernelEvent> events) {}

    /** A decision every entity has confirmed: its mark can be written, then its caller answered. */
    record Confirmed<C>(KernelJournal.DecisionTaken taken, Optional<C> caller, Optional<Decision> decision) {}

    /** A caller who gets an error now instead of an answer, and why. */
    record Refusal<C>(C caller, String reason) {}

    /**
     * What one failed write means: the parts to send again at once (the entity takes them after its
     * restart), and, once the entity counts as unable to write, the callers to refuse.
     */
    record WriteFailure<C>(List<Part> resend, boolean cannotWrite, String reason, List<Refusal<C>> refusals) {}

    private static final class InFlight<C> {
        final KernelJournal.DecisionTaken taken;
        final SequencedMap<EntityId, List<KernelEvent>> parts;
        final Map<EntityId, Long> previous;
        final Set<EntityId> waiting;
        Optional<C> caller;
        final Optional<Decision> decision;
        Instant sentAt;

        InFlight(
                KernelJournal.DecisionTaken taken,
                SequencedMap<EntityId, List<KernelEvent>> parts,
                Map<EntityId, Long> previous,
                Optional<C> caller,
                Optional<Decision> decision,
                Instant sentAt) {
            this.taken = taken;
            this.parts = parts;
            this.previous = previous;
            this.waiting = new LinkedHashSet<>(parts.keySet());
            this.caller = caller;
            this.decision = decision;
            this.sentAt = sentAt;
        }

        Part part(EntityId entity) {
            return new Part(entity, taken.seq(), previous.get(entity), parts.get(entity));
        }
    }

    /** The failed writes in a row of one entity, and the decision the last one was for. */
    private record FailedWrites(int count, long seq) {}

    private final SortedMap<Long, InFlight<C>> inFlight = new TreeMap<>(); // oldest first
    private final Map<EntityId, Long> lastSent = new HashMap<>();
    private final Map<EntityId, FailedWrites> failedWrites = new HashMap<>();

    /** Marked decisions waiting for an earlier one: subscribers hear about decisions in sequence order. */
    private final TreeMap<Long, KernelJournal.DecisionTaken> unpublished = new TreeMap<>();

    private long nextToPublish = 1;
    /** What recovery found: decisions up to {@code recoveredLastSeq} not left open were applied before it. */
    private long recoveredLastSeq;

    private Set<Long> openAtRecovery = Set.of();

    /** Delivers a decision whose intent is durable: the parts to send now, one per entity it concerns. */
    List<Part> send(KernelJournal.DecisionTaken taken, Optional<C> caller, Optional<Decision> decision, Instant now) {
        SequencedMap<EntityId, List<KernelEvent>> parts = EventRouting.split(taken.events());
        Map<EntityId, Long> previous = new HashMap<>();
        for (EntityId entity : parts.keySet()) {
            long last = lastSent.getOrDefault(entity, EntityActor.UNKNOWN_PREVIOUS);
            if (last < taken.seq()) {
                previous.put(entity, last);
                lastSent.put(entity, taken.seq());
            } else {
                // an older decision sent again after the coordinator restarted (its mark failed): every
                // entity has applied it, and the later decisions already sent must keep their order
                previous.put(entity, EntityActor.UNKNOWN_PREVIOUS);
            }
        }
        InFlight<C> flight = new InFlight<>(taken, parts, previous, caller, decision, now);
        inFlight.put(taken.seq(), flight);
        return parts.keySet().stream().map(flight::part).toList();
    }

    /** An entity confirmed its part; the decision, once every entity has. */
    Optional<Confirmed<C>> confirm(EntityId entity, long seq) {
        FailedWrites failed = failedWrites.get(entity);
        if (failed != null && seq >= failed.seq()) {
            failedWrites.remove(entity); // it wrote what had failed: it can write again
        }
        InFlight<C> flight = inFlight.get(seq);
        if (flight == null || !flight.waiting.remove(entity) || !flight.waiting.isEmpty()) {
            return Optional.empty();
        }
        inFlight.remove(seq);
        return Optional.of(new Confirmed<>(flight.taken, flight.caller, flight.decision));
    }

    /** The parts unconfirmed for {@link #RESEND_AFTER} since they were sent, oldest decision first. */
    List<Part> resendsDue(Instant now) {
        List<Part> due = new ArrayList<>();
        for (InFlight<C> flight : inFlight.values()) {
            if (!Duration.between(flight.sentAt, now).minus(RESEND_AFTER).isNegative()) {
                flight.waiting.forEach(entity -> due.add(flight.part(entity)));
                flight.sentAt = now;
            }
        }
        return due;
    }

    /**
     * An entity's write of decision {@code seq} failed ({@code cause}); it restarts and recovers. Its
     * waiting parts are sent again; from the {@link #FAILED_WRITES_BEFORE_ERROR}th failure in a row the
     * callers waiting for it are refused (their decisions stay in flight and complete when it can write).
     */
    WriteFailure<C> writeFailed(EntityId entity, long seq, String cause, Instant now) {
        FailedWrites before = failedWrites.get(entity);
        FailedWrites failed = new FailedWrites(before == null ? 1 : before.count() + 1, seq);
        failedWrites.put(entity, failed);
        boolean cannotWrite = failed.count() >= FAILED_WRITES_BEFORE_ERROR;
        String reason = entity.kind().name().toLowerCase() + " " + entity.key() + " cannot write to the journal ("
                + failed.count() + " failed writes in a row; the last: " + cause + ")";
        List<Part> resend = new ArrayList<>();
        List<Refusal<C>> refusals = new ArrayList<>();
        for (InFlight<C> flight : inFlight.values()) {
            if (!flight.waiting.contains(entity)) {
                continue;
            }
            resend.add(flight.part(entity));
            flight.sentAt = now;
            if (cannotWrite && flight.caller.isPresent()) {
                refusals.add(new Refusal<>(
                        flight.caller.get(),
                        "decision " + flight.taken.seq() + " is in the journal, but "
                                + reason
                                + "; it is sent again until the entity writes it, and completed on the next start"
                                + " at the latest"));
                flight.caller = Optional.empty(); // refused once, never answered as well
            }
        }
        return new WriteFailure<>(resend, cannotWrite, reason, refusals);
    }

    /**
     * A confirmed decision whose mark did not reach the journal: in flight again with its caller, due
     * to be sent at once; its entities have applied it and confirm again without writing.
     */
    void reopen(Confirmed<C> decision, Instant now) {
        SequencedMap<EntityId, List<KernelEvent>> parts =
                EventRouting.split(decision.taken().events());
        Map<EntityId, Long> previous = new HashMap<>();
        parts.keySet().forEach(entity -> previous.put(entity, EntityActor.UNKNOWN_PREVIOUS));
        inFlight.put(
                decision.taken().seq(),
                new InFlight<>(
                        decision.taken(),
                        parts,
                        previous,
                        decision.caller(),
                        decision.decision(),
                        now.minus(RESEND_AFTER)));
    }

    /** A confirmed decision's mark is durable: the decisions that can be published now, in order. */
    List<KernelJournal.DecisionTaken> marked(KernelJournal.DecisionTaken taken) {
        if (taken.seq() >= nextToPublish) {
            unpublished.put(taken.seq(), taken);
        }
        List<KernelJournal.DecisionTaken> publish = new ArrayList<>();
        while (true) {
            if (!unpublished.isEmpty() && unpublished.firstKey() == nextToPublish) {
                publish.add(unpublished.pollFirstEntry().getValue());
                nextToPublish++;
            } else if (nextToPublish <= recoveredLastSeq && !openAtRecovery.contains(nextToPublish)) {
                nextToPublish++; // applied before the coordinator (re)started: never confirmed again
            } else {
                return publish;
            }
        }
    }

    /**
     * The journal as the coordinator recovered it (at its start, or after a restart): the parts to
     * send for the open decisions that are not in flight already; those that are keep their callers.
     */
    List<Part> recovered(long lastSeq, SortedMap<Long, KernelJournal.DecisionTaken> open, Instant now) {
        recoveredLastSeq = lastSeq;
        openAtRecovery = Set.copyOf(open.keySet());
        List<Part> parts = new ArrayList<>();
        for (KernelJournal.DecisionTaken decision : open.values()) {
            if (!inFlight.containsKey(decision.seq())) {
                parts.addAll(send(decision, Optional.empty(), Optional.empty(), now));
            }
        }
        return parts;
    }

    /** The last decision sent to this entity; 0 for none. */
    long lastSentTo(EntityId entity) {
        return Math.max(0, lastSent.getOrDefault(entity, 0L));
    }

    /** No decision waits for an entity. */
    boolean idle() {
        return inFlight.isEmpty();
    }
}
