package dev.custody.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Argument handling of `bench recovery` only: the benchmark itself never runs in the test suite. */
class RecoveryCommandTest {

    @Test
    void journalLengthsAreAListOfNumbers() {
        RecoveryCommand command = new RecoveryCommand();
        new CommandLine(command).parseArgs("--events", "10000,1000000", "--callers", "8", "--json");
        assertEquals(List.of(10_000L, 1_000_000L), command.events);
        assertEquals(8, command.callers);
        assertTrue(command.json);
        assertEquals(null, command.groups);
        new CommandLine(command).parseArgs("--groups", "4096");
        assertEquals(4096, command.groups);
    }

    @Test
    void aLengthThatIsNoNumberIsRefused() {
        StringWriter err = new StringWriter();
        int status = new CommandLine(new RecoveryCommand())
                .setErr(new PrintWriter(err))
                .execute("--events", "ten");
        assertEquals(2, status);
        assertTrue(err.toString().contains("--events"), err.toString());
    }
}
