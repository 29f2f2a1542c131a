package dev.custody.sim;

import com.typesafe.config.Config;
import dev.custody.persistence.JournalCredentials;
import dev.custody.rules.Mutant;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * One run's configuration. {@code journal} is used by the actor engine (empty: the pure model);
 * {@code duration}, when present, ends the run before {@code operations} if it comes first; {@code check}
 * says how much is checked after each decision. The agents work on the first {@code activeGroups} of the
 * host's {@code groups} and leave the others idle, as most functions of a large host are: the same
 * operations then run on hosts of any size. {@code journalName} is how reports name the journal, any
 * password in it hidden; the configuration holds the password, so {@link #toString} leaves it out.
 */
public record SimSettings(
        long seed,
        int groups,
        long operations,
        Optional<Duration> duration,
        boolean deterministic,
        Optional<Config> journal,
        String journalName,
        Set<Mutant> mutants,
        int vfioUsers,
        int iommufdUsers,
        CheckMode check,
        int activeGroups,
        Schedule schedule,
        double refusalShare) {
    /** The share of calls a guided run aims at a refusal unless told otherwise. */
    public static final double DEFAULT_REFUSAL_SHARE = 0.2;

    public SimSettings {
        mutants = Set.copyOf(mutants);
        journalName = JournalCredentials.redacted(journalName); // it is printed in every report
        java.util.Objects.requireNonNull(check);
        if (activeGroups < 1 || activeGroups > groups) {
            throw new IllegalArgumentException(
                    "the agents can work on 1 to " + groups + " groups of the host, not " + activeGroups);
        }
        if (!mutants.isEmpty() && journal.isPresent()) {
            throw new IllegalArgumentException("mutants switch on wrong rules in the pure model: use --engine rules");
        }
        java.util.Objects.requireNonNull(schedule);
        if (schedule == Schedule.GUIDED && !deterministic) {
            throw new IllegalArgumentException("the guided schedule is one thread's: use it with --deterministic");
        }
        if (!(refusalShare >= 0 && refusalShare <= 1)) {
            throw new IllegalArgumentException("the refusal share is between 0 and 1, not " + refusalShare);
        }
    }

    /** The random schedule: every run before coverage guidance, reproduced by its seed. */
    public SimSettings(
            long seed,
            int groups,
            long operations,
            Optional<Duration> duration,
            boolean deterministic,
            Optional<Config> journal,
            String journalName,
            Set<Mutant> mutants,
            int vfioUsers,
            int iommufdUsers,
            CheckMode check,
            int activeGroups) {
        this(
                seed,
                groups,
                operations,
                duration,
                deterministic,
                journal,
                journalName,
                mutants,
                vfioUsers,
                iommufdUsers,
                check,
                activeGroups,
                Schedule.RANDOM,
                DEFAULT_REFUSAL_SHARE);
    }

    /** The same run on another seed: another host of the fleet ({@link Fleet}). */
    public SimSettings withSeed(long other) {
        return new SimSettings(
                other,
                groups,
                operations,
                duration,
                deterministic,
                journal,
                journalName,
                mutants,
                vfioUsers,
                iommufdUsers,
                check,
                activeGroups,
                schedule,
                refusalShare);
    }

    /** The same run with another schedule and refusal share. */
    public SimSettings withSchedule(Schedule now, double share) {
        return new SimSettings(
                seed,
                groups,
                operations,
                duration,
                deterministic,
                journal,
                journalName,
                mutants,
                vfioUsers,
                iommufdUsers,
                check,
                activeGroups,
                now,
                share);
    }

    /** Checked incrementally after each decision, as every run is unless asked otherwise. */
    public SimSettings(
            long seed,
            int groups,
            long operations,
            Optional<Duration> duration,
            boolean deterministic,
            Optional<Config> journal,
            String journalName,
            Set<Mutant> mutants,
            int vfioUsers,
            int iommufdUsers) {
        this(
                seed,
                groups,
                operations,
                duration,
                deterministic,
                journal,
                journalName,
                mutants,
                vfioUsers,
                iommufdUsers,
                CheckMode.INCREMENTAL,
                groups);
    }

    /** Every group active. */
    public SimSettings(
            long seed,
            int groups,
            long operations,
            Optional<Duration> duration,
            boolean deterministic,
            Optional<Config> journal,
            String journalName,
            Set<Mutant> mutants,
            int vfioUsers,
            int iommufdUsers,
            CheckMode check) {
        this(
                seed,
                groups,
                operations,
                duration,
                deterministic,
                journal,
                journalName,
                mutants,
                vfioUsers,
                iommufdUsers,
                check,
                groups);
    }

    public boolean actors() {
        return journal.isPresent();
    }

    @Override
    public String toString() {
        return "SimSettings[seed " + seed + ", " + groups + " groups, " + operations + " operations, journal "
                + journalName + "]";
    }
}
