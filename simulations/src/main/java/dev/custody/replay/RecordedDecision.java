package dev.custody.replay;

import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandRecord;
import dev.custody.entity.HostRecord;
import dev.custody.model.event.KernelEvent;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One decision as the journal holds it, with the time its row was written: its events, and, in a
 * journal that records every message, the command and the answer (an older journal has neither).
 */
public record RecordedDecision(
        long seq,
        String operationId,
        List<KernelEvent> events,
        Instant time,
        Optional<CommandRecord> command,
        Optional<AnswerRecord> answer,
        Optional<HostRecord> host) {
    public RecordedDecision {
        events = List.copyOf(events);
    }

    /** A decision of an engine that carried nothing out on a host. */
    public RecordedDecision(
            long seq,
            String operationId,
            List<KernelEvent> events,
            Instant time,
            Optional<CommandRecord> command,
            Optional<AnswerRecord> answer) {
        this(seq, operationId, events, time, command, answer, Optional.empty());
    }

    /** A decision of an older journal, which kept events only. */
    public RecordedDecision(long seq, String operationId, List<KernelEvent> events, Instant time) {
        this(seq, operationId, events, time, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The same decision with its events in another form (an older journal's, upcast). */
    public RecordedDecision withEvents(List<KernelEvent> current) {
        return new RecordedDecision(seq, operationId, current, time, command, answer, host);
    }
}
