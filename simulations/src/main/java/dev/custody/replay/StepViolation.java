package dev.custody.replay;

import dev.custody.invariants.Violation;

/** An invariant broken by one journaled decision. */
public record StepViolation(long seq, String operationId, Violation violation) {
    @Override
    public String toString() {
        return "decision " + seq + " (operation " + operationId + "): " + violation;
    }
}
