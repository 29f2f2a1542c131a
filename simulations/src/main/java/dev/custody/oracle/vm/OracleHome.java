package dev.custody.oracle.vm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The project's root directory, where the oracle finds {@code scripts/oracle-kernel.sh}, the kernel
 * config fragment and the agent's C source. The {@code ./custody} launcher passes it as
 * {@code -Dcustody.home}; tests and IDE runs have no launcher, so the fallback walks up from the
 * working directory (a Maven test runs in the module's directory, one level below the root).
 */
public final class OracleHome {
    /** The system property the launcher sets. */
    public static final String PROPERTY = "custody.home";
    /** The file whose presence marks the root. */
    static final Path MARKER = Path.of("scripts", "oracle-kernel.sh");

    private OracleHome() {}

    /** The root, from {@code custody.home} or the working directory upwards. */
    public static Path find() {
        return find(System.getProperty(PROPERTY), Path.of("").toAbsolutePath());
    }

    static Path find(String property, Path workingDirectory) {
        if (property != null && !property.isBlank()) {
            Path home = Path.of(property).toAbsolutePath().normalize();
            if (!Files.isRegularFile(home.resolve(MARKER))) {
                throw new IllegalStateException(
                        "-D" + PROPERTY + "=" + property + " has no " + MARKER + "; it must name the custody repository's root");
            }
            return home;
        }
        return search(workingDirectory).orElseThrow(() -> new IllegalStateException(
                "cannot find the custody repository: no " + MARKER + " in " + workingDirectory
                        + " or above it; run through ./custody or pass -D" + PROPERTY + "=<repository root>"));
    }

    static Optional<Path> search(Path start) {
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(MARKER))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }
}
