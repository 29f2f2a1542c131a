package dev.custody.replay;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** {@code --at SEQ|TIME}: a decision number, or an ISO-8601 instant (the last decision written by then). */
public record ReplayPoint(String spelling) {

    public long lastSeq(JournalHistory history) {
        if (spelling.chars().allMatch(Character::isDigit) && !spelling.isEmpty()) {
            long seq = Long.parseLong(spelling);
            if (seq > history.decisions().size()) {
                throw new IllegalArgumentException("--at " + seq + ": the journal has "
                        + history.decisions().size() + " decisions");
            }
            return seq;
        }
        Instant at;
        try {
            at = Instant.parse(spelling);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--at must be a decision number or an ISO-8601 instant such as "
                    + "2025-01-31T12:00:00Z, not \"" + spelling + "\"");
        }
        return history.decisions().stream()
                .filter(d -> !d.time().isAfter(at))
                .mapToLong(RecordedDecision::seq)
                .max()
                .orElse(0);
    }
}
