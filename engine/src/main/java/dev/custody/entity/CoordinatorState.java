package dev.custody.entity;

import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.Sorted;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * The coordinator's state, also its snapshot: the whole modelled kernel (the fold of every decision),
 * the last decision's number, and the decisions whose entity writes are not all confirmed yet.
 */
public record CoordinatorState(
        Optional<KernelState> kernel, long lastSeq, SortedMap<Long, KernelJournal.DecisionTaken> open)
        implements JournalRecord {

    public static CoordinatorState empty() {
        return new CoordinatorState(Optional.empty(), 0, Sorted.emptyMap());
    }

    public CoordinatorState started(KernelState initial) {
        return new CoordinatorState(Optional.of(initial), lastSeq, open);
    }

    /**
     * Folds a journaled decision. Events in the form of an older journal are upcast with the state
     * they apply to, and the decision is kept open in its current form, so that everything the
     * coordinator sends on (to entities, to subscribers) is in the current form.
     */
    public CoordinatorState taken(KernelJournal.DecisionTaken decision) {
        KernelState before = kernel.orElseThrow();
        List<KernelEvent> events = LegacyEvents.upcastAll(before, decision.events());
        KernelJournal.DecisionTaken current = events == decision.events()
                ? decision
                : new KernelJournal.DecisionTaken(decision.seq(), decision.operationId(), events);
        return taken(current, before.applyAll(events));
    }

    /** As {@link #taken(KernelJournal.DecisionTaken)}, when the state the events lead to is already known. */
    public CoordinatorState taken(KernelJournal.DecisionTaken decision, KernelState next) {
        return new CoordinatorState(Optional.of(next), decision.seq(), Sorted.put(open, decision.seq(), decision));
    }

    public CoordinatorState applied(long seq) {
        return new CoordinatorState(kernel, lastSeq, Sorted.remove(open, seq));
    }
}
