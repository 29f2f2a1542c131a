package dev.custody.crash;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One start-race-kill cycle and what the audit after it found. */
record CycleResult(
        int cycle,
        String killedWhen,
        long recoveryMillis,
        long recoveredAtSeq,
        int acknowledged,
        long decisions,
        long events,
        List<String> lost,
        List<String> problems) {

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
        return out;
    }

    String line() {
        return "cycle " + cycle + ": killed " + killedWhen + "; recovery "
                + (recoveryMillis < 0 ? "-" : recoveryMillis + " ms")
                + " (to decision " + recoveredAtSeq + "); " + acknowledged + " acknowledged; journal " + decisions
                + " decisions / " + events + " events; lost " + lost.size() + ", violations " + problems.size();
    }
}
