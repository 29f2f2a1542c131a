package dev.custody.entity;

import dev.custody.model.state.KernelState;
import dev.custody.model.state.Sorted;
import java.util.Optional;
import java.util.SortedMap;

/**
 * The coordinator's state, also its snapshot: the whole modelled kernel (the fold of every decision),
 * the last decision's number, and the decisions whose entity writes are not all confirmed yet.
 */
public record CoordinatorState(Optional<KernelState> kernel, long lastSeq,
                               SortedMap<Long, KernelJournal.DecisionTaken> open) implements JournalRecord {

    public static CoordinatorState empty() {
        return new CoordinatorState(Optional.empty(), 0, Sorted.emptyMap());
    }

    public CoordinatorState started(KernelState initial) {
        return new CoordinatorState(Optional.of(initial), lastSeq, open);
    }

    public CoordinatorState taken(KernelJournal.DecisionTaken decision) {
        return taken(decision, kernel.orElseThrow().applyAll(decision.events()));
    }

    /** As {@link #taken(KernelJournal.DecisionTaken)}, when the state the events lead to is already known. */
    public CoordinatorState taken(KernelJournal.DecisionTaken decision, KernelState next) {
        return new CoordinatorState(Optional.of(next), decision.seq(), Sorted.put(open, decision.seq(), decision));
    }

    public CoordinatorState applied(long seq) {
        return new CoordinatorState(kernel, lastSeq, Sorted.remove(open, seq));
    }
}
