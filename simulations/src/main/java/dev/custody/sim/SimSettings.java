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
        int activeGroups) {
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
