package dev.custody.entity;

import dev.custody.model.state.KernelState;
import java.util.List;
import java.util.Optional;

/**
 * The coordinator's snapshot since the journal records every message: the whole modelled kernel, the
 * last decision's number, how far every entity has applied the decisions, the decisions after that
 * (delivered again on recovery), and the operations recently named by their callers' own ids.
 * Snapshots written before hold a {@link CoordinatorState}, which is read as one without recent ids.
 */
public record CoordinatorSnapshot(
        Optional<KernelState> kernel,
        long lastSeq,
        long appliedThrough,
        List<KernelJournal.DecisionTaken> open,
        List<RecentOperation> recent)
        implements JournalRecord {
    public CoordinatorSnapshot {
        open = List.copyOf(open);
        recent = List.copyOf(recent);
    }
}
