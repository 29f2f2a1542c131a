package dev.custody.crash;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One cycle of {@code crash-test --serve}: the cycle as the in-process mode reports it (its
 * {@code recoveryMillis} is from the server JVM's start to its socket being ready, its
 * {@code acknowledged} the answers the clients got), and the resends the clients made after the
 * restart that began it: requests that had got no answer (retries) and answered ones (repeats), with
 * the repeats answered differently.
 */
record ServeCycleResult(CycleResult cycle, ServeTally.Counts counts) {

    Map<String, Object> json() {
        Map<String, Object> out = new LinkedHashMap<>(cycle.json());
        out.put("retries", counts.retries());
        out.put("retriesDecidedBeforeTheKill", counts.retriesDecidedBefore());
        out.put("repeats", counts.repeats());
        out.put("mismatchedRetries", counts.mismatched());
        return out;
    }

    String line() {
        return cycle.line() + "; resent " + counts.retries() + " unanswered (" + counts.retriesDecidedBefore()
                + " decided before the kill) and " + counts.repeats() + " answered ("
                + counts.mismatched() + " answered differently)";
    }
}
