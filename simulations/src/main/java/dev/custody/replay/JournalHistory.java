package dev.custody.replay;

import dev.custody.entity.KernelJournal;
import dev.custody.model.Topology;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the coordinator of one engine instance journaled, in journal order: the topology it
 * started on, every decision (intent), which decisions every entity confirmed (effect: one by one in
 * an older journal, {@code applied}; up to {@code appliedThrough} in one that records every message),
 * the commands that changed nothing ({@code answered}; an older journal did not record them) and the
 * journal's Header (its format and writer; none in a journal of format 0).
 */
public record JournalHistory(
        String instance,
        Topology topology,
        Instant started,
        List<RecordedDecision> decisions,
        Set<Long> applied,
        long appliedThrough,
        List<RecordedAnswer> answered,
        Optional<KernelJournal.Header> header) {
    public JournalHistory {
        decisions = List.copyOf(decisions);
        applied = Set.copyOf(applied);
        answered = List.copyOf(answered);
    }

    /** The history of an older journal: decisions and their marks only. */
    public JournalHistory(
            String instance, Topology topology, Instant started, List<RecordedDecision> decisions, Set<Long> applied) {
        this(instance, topology, started, decisions, applied, 0, List.of(), Optional.empty());
    }

    /** "journal format 1, written by Custody 0.2.0", or format 0 for a journal begun before versioning. */
    public String format() {
        return header.map(h -> "journal format " + h.formatVersion() + ", written by " + h.writtenBy())
                .orElse("journal format 0 (begun before records were versioned)");
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
