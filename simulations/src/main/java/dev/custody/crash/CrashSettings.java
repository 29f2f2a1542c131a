package dev.custody.crash;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One crash test: how many cycles, the seed of every kill point, the journal ({@code spelling} is what
 * the child is given), where the logs go, the H2 file to tear in {@code --torn-tail} mode, and whether
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
}
