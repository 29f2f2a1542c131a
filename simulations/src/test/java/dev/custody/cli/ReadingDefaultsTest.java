package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that reads a journal follows the same rules: without --instance it reads the journal's
 * only engine instance, and with several it names them rather than guessing.
 */
class ReadingDefaultsTest {

    @TempDir
    Path dir;

    private static String simulate(String journal, String seed) throws Exception {
        CliRun run =
                CliRun.of("simulate", "--journal", journal, "--seed", seed, "--groups", "4", "--ops", "60", "--json");
        assertEquals(0, run.status(), run.err());
        return new ObjectMapper().readTree(run.out()).get("instance").asText();
    }

    @Test
    void theOnlyInstanceIsReadWithoutNamingIt() throws Exception {
        String journal = "h2:" + dir.resolve("journal");
        String instance = simulate(journal, "5");
        for (String command : new String[] {"replay", "inspect"}) {
            CliRun read = CliRun.of(command, "--journal", journal, "--json");
            assertEquals(0, read.status(), command + ": " + read.err());
            assertEquals(
                    instance,
                    new ObjectMapper().readTree(read.out()).get("instance").asText(),
                    command + " read the journal's only instance");
        }
    }

    @Test
    void withSeveralInstancesTheReaderNamesThemAndExitsTwo() throws Exception {
        String journal = "h2:" + dir.resolve("journal");
        String first = simulate(journal, "5");
        String second = simulate(journal, "6");
        CliRun read = CliRun.of("replay", "--journal", journal);
        assertEquals(2, read.status(), read.out() + read.err());
        assertTrue(read.err().contains("name one with --instance"), read.err());
        assertTrue(read.err().contains(first) && read.err().contains(second), read.err());
    }
}
