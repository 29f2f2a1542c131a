package dev.custody.crash;

import com.typesafe.config.Config;
import dev.custody.persistence.JournalCredentials;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One crash test: how many cycles, the seed of every kill point, the journal ({@code spelling} is what
 * the child is given on its command line, so it holds no password: the child gets that in its
 * environment, {@code JournalSpec.childEnvironment}), where the logs go, the H2 file to tear in {@code --torn-tail} mode, and whether
 * a kill is a power cut of a VM ({@code --power-loss}) rather than a SIGKILL of a JVM.
 */
public record CrashSettings(
        int cycles,
        long seed,
        String journalSpelling,
        Config journal,
        Path workDirectory,
        Optional<Path> h2File,
        boolean tornTail,
        String instance,
        int groups,
        boolean powerLoss) {

    /** The SIGKILL mode. */
    public CrashSettings(
            int cycles,
            long seed,
            String journalSpelling,
            Config journal,
            Path workDirectory,
            Optional<Path> h2File,
            boolean tornTail,
            String instance,
            int groups) {
        this(cycles, seed, journalSpelling, journal, workDirectory, h2File, tornTail, instance, groups, false);
    }

    /** The record's own toString would print the journal's configuration, password included. */
    @Override
    public String toString() {
        return "CrashSettings[" + cycles + " cycles, seed " + seed + ", journal "
                + JournalCredentials.redacted(journalSpelling) + ", work " + workDirectory + "]";
    }
}
