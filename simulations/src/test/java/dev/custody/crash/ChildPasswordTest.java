package dev.custody.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.custody.persistence.JournalCredentials;
import dev.custody.persistence.JournalSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash-test child's command line is in the process list for every user of the machine: the
 * journal's password goes to the child in its environment instead.
 */
class ChildPasswordTest {
    private static final String SECRET = "s3cret-Pa55";

    @TempDir
    Path dir;

    @Test
    void thePasswordIsInTheChildsEnvironmentNotItsArguments() {
        JournalSpec journal = JournalSpec.parse(
                "jdbc:postgresql://127.0.0.1:9/none?user=u", Map.of(JournalCredentials.PASSWORD_VARIABLE, SECRET));
        CrashSettings settings = new CrashSettings(
                1, 1, journal.childSpelling(), journal.config(), dir, Optional.empty(), false, "custody", 4);
        var test = new CrashTest(settings, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        ProcessBuilder child =
                ChildJvm.process(test.arguments(1, false), dir.resolve("child.stderr"), journal.childEnvironment());

        assertFalse(String.join(" ", child.command()).contains(SECRET), String.join(" ", child.command()));
        assertEquals(SECRET, child.environment().get(JournalCredentials.PASSWORD_VARIABLE));
        assertFalse(settings.toString().contains(SECRET), settings.toString());
    }
}
