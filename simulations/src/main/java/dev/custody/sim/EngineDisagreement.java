package dev.custody.sim;

/**
 * An engine's answer that differs from the pure model's decision of the same call in the same order:
 * a finding of the run (invariant D0), not a failure to answer.
 */
public final class EngineDisagreement extends RuntimeException {
    public EngineDisagreement(String message) {
        super(message);
    }
}
