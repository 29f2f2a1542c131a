package dev.custody.entity;

import dev.custody.model.Topology;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the coordinator knows from its journal: the whole modelled kernel (the fold of every decision),
 * the last decision's number, the decisions not yet applied by every entity, and the operations
 * recently named by their callers' own ids.
 *
 * <p>Mutable, because every command the engine answers passes through it on one actor: a copy per
 * record would cost more than the decision. It is only ever touched on the coordinator's thread, and
 * what leaves it (a {@link #snapshot}, the kernel state) is immutable. Pekko keeps the empty state
 * across the restarts that follow a failed write and replays the journal onto it again, so the empty
 * ledger is one that is never changed: the first record folded into it starts a new ledger.
 */
public final class CoordinatorLedger {
    private static final CoordinatorLedger EMPTY = new CoordinatorLedger();

    private Optional<KernelState> kernel = Optional.empty();
    private long lastSeq;
    private long appliedThrough;
    private final TreeMap<Long, KernelJournal.DecisionTaken> open = new TreeMap<>();
    private final RecentOperations recent = new RecentOperations();

    public static CoordinatorLedger empty() {
        return EMPTY;
    }

    /** This ledger to change, or a new one in place of the empty one. */
    private CoordinatorLedger changing() {
        return this == EMPTY ? new CoordinatorLedger() : this;
    }

    /** A ledger from a snapshot of either form ({@link CoordinatorSnapshot}, or the older {@link CoordinatorState}). */
    public static CoordinatorLedger of(Object snapshot) {
        CoordinatorLedger ledger = new CoordinatorLedger();
        switch (snapshot) {
            case CoordinatorSnapshot s -> {
                ledger.kernel = s.kernel();
                ledger.lastSeq = s.lastSeq();
                ledger.appliedThrough = s.appliedThrough();
                s.open().forEach(d -> ledger.open.put(d.seq(), d));
                s.recent().forEach(ledger.recent::remember);
            }
            case CoordinatorState s -> {
                ledger.kernel = s.kernel();
                ledger.lastSeq = s.lastSeq();
                ledger.open.putAll(s.open());
                // marks were per decision: every decision below the first open one was applied
                ledger.appliedThrough =
                        s.open().isEmpty() ? s.lastSeq() : s.open().firstKey() - 1;
            }
            default ->
                throw new IllegalArgumentException(
                        "not a coordinator snapshot: " + snapshot.getClass().getName());
        }
        return ledger;
    }

    /** An immutable copy for the snapshot store. */
    public CoordinatorSnapshot snapshot() {
        return new CoordinatorSnapshot(kernel, lastSeq, appliedThrough, List.copyOf(open.values()), recent.list());
    }

    public Optional<KernelState> kernel() {
        return kernel;
    }

    public long lastSeq() {
        return lastSeq;
    }

    public long appliedThrough() {
        return appliedThrough;
    }

    /** The decisions some entity may not have applied yet, in decision order. */
    public SortedMap<Long, KernelJournal.DecisionTaken> open() {
        return Collections.unmodifiableSortedMap(open);
    }

    Optional<RecentOperation> recent(String caller, String operationId) {
        return recent.find(caller, operationId);
    }

    int recentCount() {
        return recent.size();
    }

    CoordinatorLedger started(Topology topology) {
        CoordinatorLedger ledger = changing();
        ledger.kernel = Optional.of(KernelState.empty(topology));
        return ledger;
    }

    /**
     * Folds an older journal's decision. Events in an older form are upcast with the state they apply
     * to, and the decision is kept open in its current form, so that everything the coordinator sends
     * on (to entities, to listeners) is in the current form.
     */
    CoordinatorLedger taken(KernelJournal.DecisionTaken decision) {
        KernelState before = kernel.orElseThrow();
        List<KernelEvent> events = LegacyEvents.upcastAll(before, decision.events());
        KernelJournal.DecisionTaken current = events == decision.events()
                ? decision
                : new KernelJournal.DecisionTaken(decision.seq(), decision.operationId(), events);
        return taken(current, before.applyAll(events));
    }

    /** Folds a decision; {@code next} is the state its events lead to when the rules computed it already, else null. */
    CoordinatorLedger decided(KernelJournal.Decided decided, KernelState next) {
        CoordinatorLedger ledger = changing();
        if (decided.command().callersId()) {
            ledger.recent.remember(RecentOperation.of(decided.command(), decided.given()));
        }
        return next == null ? ledger.taken(decided.taken()) : ledger.taken(decided.taken(), next);
    }

    CoordinatorLedger answered(KernelJournal.Answered answered) {
        CoordinatorLedger ledger = changing();
        if (answered.command().callersId() && !answered.unauthorized()) { // a retry checks its capability again
            ledger.recent.remember(RecentOperation.of(answered.command(), answered.given()));
        }
        return ledger;
    }

    private CoordinatorLedger taken(KernelJournal.DecisionTaken decision, KernelState next) {
        CoordinatorLedger ledger = changing();
        ledger.kernel = Optional.of(next);
        ledger.lastSeq = decision.seq();
        ledger.open.put(decision.seq(), decision);
        return ledger;
    }

    /** An older journal's mark of one decision. */
    CoordinatorLedger applied(long seq) {
        CoordinatorLedger ledger = changing();
        ledger.open.remove(seq);
        long below = ledger.open.isEmpty() ? ledger.lastSeq : ledger.open.firstKey() - 1;
        ledger.appliedThrough = Math.max(ledger.appliedThrough, below);
        return ledger;
    }

    CoordinatorLedger appliedThrough(long seq) {
        CoordinatorLedger ledger = changing();
        ledger.open.headMap(seq, true).clear();
        ledger.appliedThrough = Math.max(ledger.appliedThrough, seq);
        return ledger;
    }
}
