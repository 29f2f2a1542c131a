package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class InternalErrorTest {

    @Test
    void anUnexpectedFailureIsOneLineNamingALogAndExitThree() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CustodyCli.InternalErrors handler =
                new CustodyCli.InternalErrors(new PrintStream(err, true, StandardCharsets.UTF_8));
        CommandLine cli = CustodyCli.commandLine();
        CommandLine.ParseResult parsed = cli.parseArgs("scenario", "run", "some.json");

        int status = handler.handleExecutionException(
                new IllegalStateException("the engine stopped\nsecond line"), cli, parsed);

        assertEquals(CustodyCli.INTERNAL_ERROR, status);
        String line = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.contains("internal error (IllegalStateException: the engine stopped)"), line);
        Matcher log = Pattern.compile("details in (\\S+)").matcher(line);
        assertTrue(log.find(), line);
        Path file = Path.of(log.group(1));
        try {
            String written = Files.readString(file);
            assertTrue(written.startsWith("custody scenario run some.json"), written);
            assertTrue(written.contains("at dev.custody.cli.InternalErrorTest"), written);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
