package dev.custody.replay;

import dev.custody.model.Topology;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Everything the coordinator of one engine instance journaled, in journal order: the topology it
 * started on, every decision (intent), and which decisions every entity confirmed (effect).
 */
public record JournalHistory(
        String instance, Topology topology, Instant started, List<RecordedDecision> decisions, Set<Long> applied) {
    public JournalHistory {
        decisions = List.copyOf(decisions);
        applied = Set.copyOf(applied);
    }

    public long eventCount() {
        return decisions.stream().mapToLong(d -> d.events().size()).sum();
    }

    /** Decisions taken whose effect no record confirms: what a crash cut short and no restart completed yet. */
    public List<Long> openDecisions() {
        return decisions.stream()
                .map(RecordedDecision::seq)
                .filter(seq -> !applied.contains(seq))
                .toList();
    }
}
