package dev.custody.crash;

import com.typesafe.config.Config;
import dev.custody.replay.BadJournal;
import dev.custody.replay.InvariantCheck;
import dev.custody.replay.JournalHistory;
import dev.custody.replay.JournalReader;
import dev.custody.replay.RecordedDecision;
import dev.custody.replay.Replay;
import dev.custody.replay.StateDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Holds a journal a killed child left against the parent's acknowledgement log and against what the
 * child said it recovered: nothing acknowledged lost, every invariant at every decision, no decision
 * left half done by a completed recovery (but for the entities it reported stuck, {@code stuck}: the
 * child's lines about them), and the recovered state equal to the replayed one.
 */
final class JournalAudit {
    private JournalAudit() {}

    static Audit audit(
            Config journal,
            String instance,
            List<WorkloadLine.Acknowledged> acknowledged,
            Optional<WorkloadLine.Recovered> recovered,
            List<String> stuck) {
        JournalHistory history;
        try {
            history = JournalReader.read(journal, instance);
        } catch (BadJournal unreadable) {
            // after a power cut the journal can be gone entirely; nothing acknowledged can then be confirmed
            List<String> lost = acknowledged.stream()
                    .filter(ack -> ack.events() > 0)
                    .map(ack -> ack.operationId() + ": acknowledged with " + ack.events()
                            + " events, not in the journal (the journal cannot be read)")
                    .toList();
            return new Audit(0, 0, lost, List.of("the journal cannot be read: " + unreadable.getMessage()));
        }
        Map<String, RecordedDecision> byOperation = new HashMap<>();
        history.decisions().forEach(d -> byOperation.put(d.operationId(), d));

        List<String> lost = new ArrayList<>();
        for (WorkloadLine.Acknowledged ack : acknowledged) {
            if (ack.events() == 0) {
                continue; // nothing changed, so nothing was journaled (a refused or read-only call)
            }
            RecordedDecision decision = byOperation.get(ack.operationId());
            if (decision == null) {
                lost.add(ack.operationId() + ": acknowledged with " + ack.events() + " events, not in the journal");
            } else if (!EventsDigest.of(decision.events()).equals(ack.eventsDigest())) {
                lost.add(ack.operationId() + ": decision " + decision.seq()
                        + " holds other events than were acknowledged");
            }
        }

        List<String> problems = new ArrayList<>();
        InvariantCheck invariants = new InvariantCheck();
        Replay.fold(history, Long.MAX_VALUE, List.of(invariants));
        invariants.violations().forEach(v -> problems.add(v.toString()));
        recovered.ifPresent(r -> {
            String replayed = StateDigest.of(Replay.fold(history, r.lastSeq(), List.of()));
            if (!replayed.equals(r.digest())) {
                problems.add("the engine recovered state " + r.digest() + " at decision " + r.lastSeq()
                        + " but replaying the journal to there gives " + replayed);
            }
            List<Long> open = history.openDecisions().stream()
                    .filter(seq -> seq <= r.lastSeq())
                    .toList();
            if (stuck.isEmpty()) {
                open.forEach(seq ->
                        problems.add("decision " + seq + " was still open after the recovery said it was quiet"));
            } else {
                problems.addAll(OpenDecisions.notWrittenBesides(journal, instance, history, open, stuck));
            }
            if (r.violations() > 0) {
                problems.add("the recovered engine state breaks " + r.violations() + " invariants");
            }
        });
        return new Audit(history.decisions().size(), history.eventCount(), lost, problems);
    }
}
