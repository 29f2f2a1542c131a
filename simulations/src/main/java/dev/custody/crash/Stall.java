package dev.custody.crash;

import java.time.Duration;

/**
 * A bound of {@link Bounds} that expired: what the child did not do in time. The child was then
 * killed; {@link #describe(String)} says it in a sentence for the violation list.
 *
 * @param acknowledged how many operations the child had acknowledged by then
 */
record Stall(Phase phase, Duration bound, int acknowledged) {
    /** What the child was waited on for. */
    enum Phase {
        START,
        RECOVERY,
        RACE,
        STOP,
        EXIT
    }

    /**
     * @param where when it happened, e.g. "after cycle 12's kill" or "in cycle 13"
     */
    String describe(String where) {
        String s = bound.toMillis() % 1000 == 0 ? bound.toSeconds() + " s" : bound.toMillis() + " ms";
        return switch (phase) {
            case START -> "the engine did not start recovering within " + s + " " + where;
            case RECOVERY -> "the engine did not finish recovery within " + s + " " + where;
            case RACE ->
                "the engine acknowledged nothing for " + s + " " + where + " (after " + acknowledged + " acknowledged)";
            case STOP -> "the engine did not stop cleanly within " + s + " of its recovery " + where;
            case EXIT -> "the child did not end within " + s + " of its kill or stop " + where;
        };
    }
}
