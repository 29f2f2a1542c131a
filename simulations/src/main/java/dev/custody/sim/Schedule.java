package dev.custody.sim;

/**
 * How a deterministic run picks its next call. {@link #RANDOM}: a seeded draw of which agent calls next,
 * each agent choosing its own arguments, as every run did before coverage guidance (a seed of it still
 * gives the same run). {@link #GUIDED}: {@link GuidedScheduler} picks the caller, the kind of call and its
 * arguments from the state, preferring what reached new coverage.
 */
public enum Schedule {
    GUIDED("guided"),
    RANDOM("random");

    private final String cliName;

    Schedule(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }
}
