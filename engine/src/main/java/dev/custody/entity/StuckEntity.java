package dev.custody.entity;

import java.time.Instant;

/**
 * A device, group, domain or file actor that cannot recover from its journal: its persistence id, why
 * (the journal's refusal, naming the row when the journal knows it), how many recoveries failed in a
 * row and since when it counts as stuck. The coordinator sends it nothing while it is stuck, apart from
 * a rare probe, and nothing is written to its journal. Published on the actor system's event stream
 * when an entity becomes stuck, and asked of an engine with {@code EngineAdmin.stuckEntities()}.
 */
public record StuckEntity(String instance, String persistenceId, String reason, int failedRecoveries, Instant since) {

    /** One line for a log, a report or an error: which journal, and why it is not read. */
    public String describe() {
        return "entity " + persistenceId + " is stuck: its journal cannot be recovered (" + failedRecoveries
                + " failed recoveries in a row; the last: " + reason + "); nothing is written to it";
    }
}
