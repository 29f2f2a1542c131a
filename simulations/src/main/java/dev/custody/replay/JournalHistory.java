package dev.custody.replay;

import dev.custody.model.Topology;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Everything the coordinator of one engine instance journaled, in journal order: the topology it
 * started on, every decision (intent), which decisions every entity confirmed (effect: one by one in
 * an older journal, {@code applied}; up to {@code appliedThrough} in one that records every message),
 * and the commands that changed nothing ({@code answered}; an older journal did not record them).
 */
public record JournalHistory(
        String instance,
        Topology topology,
        Instant started,
        List<RecordedDecision> decisions,
        Set<Long> applied,
        long appliedThrough,
        List<RecordedAnswer> answered) {
    public JournalHistory {
        decisions = List.copyOf(decisions);
        applied = Set.copyOf(applied);
        answered = List.copyOf(answered);
    }

    /** The history of an older journal: decisions and their marks only. */
    public JournalHistory(
            String instance, Topology topology, Instant started, List<RecordedDecision> decisions, Set<Long> applied) {
        this(instance, topology, started, decisions, applied, 0, List.of());
    }

    public long eventCount() {
        return decisions.stream().mapToLong(d -> d.events().size()).sum();
    }

    /** Decisions taken whose effect no record confirms: what a crash cut short and no restart completed yet. */
    public List<Long> openDecisions() {
        return decisions.stream()
                .map(RecordedDecision::seq)
                .filter(seq -> seq > appliedThrough && !applied.contains(seq))
                .toList();
    }
}
