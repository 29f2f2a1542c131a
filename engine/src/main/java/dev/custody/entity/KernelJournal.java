package dev.custody.entity;

import dev.custody.model.Topology;
import dev.custody.model.event.KernelEvent;
import java.util.List;

/**
 * The coordinator's journal: which format and which build wrote it, the machine it governs, then every
 * decision as an intent, and a mark once every entity has persisted its part. A decision taken but not
 * applied is re-driven on recovery.
 */
public sealed interface KernelJournal extends JournalRecord {

    /**
     * The first record of a journal begun since records are versioned ({@link JournalFormat}): the format
     * version and the Custody version that wrote it. A journal whose format is newer than the reading
     * build's is refused. Journals begun before have none (format 0).
     */
    record Header(int formatVersion, String writtenBy) implements KernelJournal {}

    /** The first record of an engine: the topology all later events refer to. */
    record Started(Topology topology) implements KernelJournal {}

    /** The rules decided these events for one operation (intent). {@code seq} counts from 1. */
    record DecisionTaken(long seq, String operationId, List<KernelEvent> events) implements KernelJournal {
        public DecisionTaken {
            events = List.copyOf(events);
        }
    }

    /** Every entity has persisted its events of decision {@code seq} (effect). */
    record DecisionApplied(long seq) implements KernelJournal {}
}
