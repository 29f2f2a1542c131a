package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code custody --version} names the build's version and the commit it was built from. */
class BuildVersionTest {

    @Test
    void theVersionNamesTheBuildAndItsCommit() throws Exception {
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.status(), run.err());
        String pom = Files.readString(Path.of("pom.xml"));
        String version = pom.replaceAll("(?s).*?<parent>.*?<version>([^<]+)</version>.*", "$1");
        String line = run.out().strip();
        assertTrue(line.startsWith("custody " + version + " ("), line);
        boolean checkout = Files.exists(Path.of("../.git"));
        assertTrue(
                checkout
                        ? line.matches("custody \\S+ \\(commit [0-9a-f]{7,}( with local changes)?\\)")
                        : line.endsWith("(commit unknown (not built from a git checkout))"),
                line);
    }
}
