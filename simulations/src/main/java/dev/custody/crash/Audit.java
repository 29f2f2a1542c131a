package dev.custody.crash;

import java.util.List;

/**
 * What one look at the journal after a kill found. {@code lost}: acknowledged operations whose decision
 * is missing or differs; {@code problems}: broken invariants, open decisions a recovery should have
 * completed, and recovered states that differ from the replay of the journal.
 */
record Audit(long decisions, long events, List<String> lost, List<String> problems) {
    Audit {
        lost = List.copyOf(lost);
        problems = List.copyOf(problems);
    }
}
