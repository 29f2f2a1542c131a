package dev.custody.crash;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One start-race-kill cycle and what the audit after it found ({@code decisions} and {@code events} are
 * -1 when the journal could not be audited), with the torn-tail restart when it followed this cycle,
 * and the cycle's wall time from starting the child to the end of its audit.
 */
record CycleResult(
        int cycle,
        String killedWhen,
        long recoveryMillis,
        long recoveredAtSeq,
        int acknowledged,
        long decisions,
        long events,
        List<String> lost,
        List<String> problems,
        Optional<TornTailReport> tornTail,
        long millis) {

    Map<String, Object> json() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cycle", cycle);
        out.put("killed", killedWhen);
        out.put("recoveryMillis", recoveryMillis);
        out.put("recoveredAtSeq", recoveredAtSeq);
        out.put("acknowledged", acknowledged);
        out.put("journalDecisions", decisions);
        out.put("journalEvents", events);
        out.put("lost", lost);
        out.put("violations", problems);
        tornTail.ifPresent(t -> out.put("tornTail", t.json()));
        out.put("cycleMillis", millis);
        return out;
    }

    String line() {
        return "cycle " + cycle + ": killed " + killedWhen + "; recovery "
                + (recoveryMillis < 0 ? "-" : recoveryMillis + " ms")
                + " (to decision " + recoveredAtSeq + "); " + acknowledged + " acknowledged; journal "
                + (decisions < 0 ? "not audited" : decisions + " decisions / " + events + " events") + "; lost "
                + lost.size() + ", violations " + problems.size() + "; " + (millis / 100) / 10.0 + " s";
    }
}
