package dev.custody.replay;

import dev.custody.model.event.KernelEvent;
import java.time.Instant;
import java.util.List;

/** One DecisionTaken as the journal holds it, with the time its row was written. */
public record RecordedDecision(long seq, String operationId, List<KernelEvent> events, Instant time) {
    public RecordedDecision {
        events = List.copyOf(events);
    }
}
