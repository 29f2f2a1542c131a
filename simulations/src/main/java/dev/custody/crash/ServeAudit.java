package dev.custody.crash;

import com.typesafe.config.Config;
import dev.custody.replay.BadJournal;
import dev.custody.replay.InvariantCheck;
import dev.custody.replay.JournalHistory;
import dev.custody.replay.JournalReader;
import dev.custody.replay.RecordedDecision;
import dev.custody.replay.Replay;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Holds the journal a killed {@code custody serve} left against every answer its clients got: each
 * answer that named a decision finds that decision in the journal under the request's operation id
 * ({@code opid:USER:OPID}), with the same number and result; no operation id is decided twice; every
 * invariant holds at every decision; and after the server's clean stop no decision is left open.
 */
final class ServeAudit {
    private ServeAudit() {}

    /** The operation id the server gives the engine for a user's opid (docs/protocol.md, Retries). */
    static String operationId(String user, String opid) {
        return "opid:" + user + ":" + opid;
    }

    static Audit audit(
            Config journal, String instance, String user, List<ServeAnswers.Answer> answers, boolean afterCleanStop) {
        JournalHistory history;
        try {
            history = JournalReader.read(journal, instance);
        } catch (BadJournal unreadable) {
            List<String> lost = answers.stream()
                    .filter(a -> a.seq().isPresent())
                    .map(a -> describe(a) + ": not in the journal (the journal cannot be read)")
                    .toList();
            return new Audit(0, 0, lost, List.of("the journal cannot be read: " + unreadable.getMessage()));
        }
        Map<String, List<RecordedDecision>> byOperation = new LinkedHashMap<>();
        history.decisions()
                .forEach(d -> byOperation
                        .computeIfAbsent(d.operationId(), k -> new ArrayList<>())
                        .add(d));

        List<String> problems = new ArrayList<>();
        byOperation.forEach((operation, decisions) -> {
            if (decisions.size() > 1 && operation.startsWith("opid:")) {
                problems.add("operation " + operation + " was decided " + decisions.size() + " times (decisions "
                        + decisions.stream().map(RecordedDecision::seq).toList() + ")");
            }
        });

        List<String> lost = new ArrayList<>();
        for (ServeAnswers.Answer answer : answers) {
            if (answer.seq().isEmpty()) {
                continue; // nothing changed, so nothing was journaled as a decision
            }
            long seq = answer.seq().get();
            List<RecordedDecision> found = byOperation.get(operationId(user, answer.opid()));
            if (found == null) {
                lost.add(describe(answer) + ": not in the journal");
            } else if (found.getFirst().seq() != seq) {
                lost.add(describe(answer) + ": the journal holds it as decision "
                        + found.getFirst().seq());
            } else if (found.getFirst().answer().isPresent()
                    && !found.getFirst().answer().get().result().equals(answer.result())) {
                lost.add(describe(answer) + ": the journal recorded the answer "
                        + found.getFirst().answer().get().result());
            }
        }

        InvariantCheck invariants = new InvariantCheck();
        Replay.fold(history, Long.MAX_VALUE, List.of(invariants));
        invariants.violations().forEach(v -> problems.add(v.toString()));
        if (afterCleanStop && !history.openDecisions().isEmpty()) {
            problems.add("decisions " + history.openDecisions() + " were still open after the server's clean stop");
        }
        return new Audit(history.decisions().size(), history.eventCount(), lost, problems);
    }

    private static String describe(ServeAnswers.Answer answer) {
        return answer.opid() + " (vm" + answer.vm() + "'s " + answer.operation() + ", cycle " + answer.cycle()
                + "): answered " + answer.result() + " as decision "
                + answer.seq().orElseThrow();
    }
}
