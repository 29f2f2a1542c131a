package dev.custody.sim;

/**
 * How much is checked after each decision. Both find every violation a decision causes; a run stops
 * at its first, so both stop at the same step with the same findings.
 */
public enum CheckMode {
    /** Only what the decision's events touched: the cost of a step does not grow with the host. */
    INCREMENTAL,
    /** Every invariant over every group, file and domain, and reachability of every group: the reference. */
    FULL;

    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
