package dev.custody.sim;

/**
 * How much of the model a run reached ({@link Coverage}): distinct (operation, outcome) pairs,
 * (operation, outcome, group shape) triples, group shapes and rule branches, and how many calls were
 * refused (failed or warned) and how many the guided schedule aimed at a refusal. Empty for the concurrent actor runs, whose decisions are checked in the
 * journal's order, away from the calls.
 */
public record CoverageSummary(int pairs, int triples, int shapes, int branches, long refused, long aimedAtRefusal) {
    public static final CoverageSummary NONE = new CoverageSummary(0, 0, 0, 0, 0, 0);
}
