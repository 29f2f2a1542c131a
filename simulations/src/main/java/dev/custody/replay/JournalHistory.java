package dev.custody.replay;

import dev.custody.model.Topology;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Everything the coordinator of one engine instance journaled, in journal order: the topology it
 * started on, every decision (intent), and which decisions every entity confirmed (effect); and what
 * the reader must know about how it was read ({@code notes}, e.g. from a repaired copy).
 */
public record JournalHistory(
        String instance,
        Topology topology,
        Instant started,
        List<RecordedDecision> decisions,
        Set<Long> applied,
        List<String> notes) {
    public JournalHistory {
        decisions = List.copyOf(decisions);
        applied = Set.copyOf(applied);
        notes = List.copyOf(notes);
    }

    public JournalHistory(
            String instance, Topology topology, Instant started, List<RecordedDecision> decisions, Set<Long> applied) {
        this(instance, topology, started, decisions, applied, List.of());
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
