package dev.custody.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.bench.journal.JournalBench;
import dev.custody.bench.journal.JournalBenchSettings;
import dev.custody.bench.journal.PostgresChoice;
import dev.custody.cli.CustodyCli;
import dev.custody.persistence.JournalCredentials;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** Argument handling only: nothing here runs the benchmark. */
class JournalCommandTest {

    private static JournalCommand parse(String... args) {
        ParseResult result = new CommandLine(new CustodyCli()).parseArgs(args);
        return (JournalCommand) result.subcommand().subcommand().commandSpec().userObject();
    }

    @Test
    void defaultsToTheFullRunWithATableAndThirtyTwoCallers() {
        JournalCommand command = parse("bench", "journal");
        assertFalse(command.json);
        assertEquals(JournalBenchSettings.of(false, 32), command.settings());
        assertTrue(command.settings().measureMillis()
                > JournalBenchSettings.of(true, 32).measureMillis());
    }

    @Test
    void quickJsonCallersAndPostgresInAnyOrder() {
        JournalCommand command = parse(
                "bench",
                "journal",
                "--postgres",
                "jdbc:postgresql://db:5432/c?user=u",
                "--json",
                "--callers",
                "8",
                "--quick");
        assertTrue(command.json);
        assertEquals(JournalBenchSettings.of(true, 8), command.settings());
        assertEquals(
                "jdbc:postgresql://db:5432/c?user=u",
                command.postgresChoice().orElseThrow().url());
        assertEquals("u", command.postgresChoice().orElseThrow().user());
    }

    @Test
    void theHostSizeIsOptional() {
        assertEquals(null, parse("bench", "journal").groups);
        assertEquals(4096, parse("bench", "journal", "--groups", "4096").groups);
    }

    @Test
    void callersOutOfRangeAreRefused() {
        assertThrows(
                CommandLine.ParameterException.class,
                () -> parse("bench", "journal", "--callers", "0").settings());
    }

    @Test
    void postgresComesFromTheOptionThenTheTestSuitesVariables() {
        Map<String, String> env = Map.of(
                PostgresChoice.URL,
                "jdbc:postgresql://ci/custody",
                PostgresChoice.USER,
                "ci",
                PostgresChoice.PASSWORD,
                "secret");
        assertEquals(
                Optional.of(new JournalBench.Postgres("jdbc:postgresql://ci/custody", "ci", "secret")),
                PostgresChoice.resolve(Optional.empty(), env));
        assertEquals(
                Optional.of(new JournalBench.Postgres("jdbc:postgresql://opt/db", "ci", "secret")),
                PostgresChoice.resolve(Optional.of("jdbc:postgresql://opt/db"), env));
        assertEquals(
                Optional.of(new JournalBench.Postgres("jdbc:postgresql://opt/db", "postgres", "")),
                PostgresChoice.resolve(Optional.of("jdbc:postgresql://opt/db"), Map.of()));
        assertEquals(Optional.empty(), PostgresChoice.resolve(Optional.empty(), Map.of()));
        assertEquals(Optional.empty(), PostgresChoice.resolve(Optional.empty(), Map.of(PostgresChoice.URL, " ")));
        assertThrows(
                IllegalArgumentException.class, () -> PostgresChoice.resolve(Optional.of("jdbc:h2:mem:x"), Map.of()));
    }

    @Test
    void aPasswordInThePostgresUrlIsRefusedAndComesFromTheEnvironmentOrAFile(@TempDir Path dir) throws Exception {
        IllegalArgumentException refused = assertThrows(
                IllegalArgumentException.class,
                () -> PostgresChoice.resolve(Optional.of("jdbc:postgresql://db/c?user=u&password=s3cret"), Map.of()));
        assertFalse(refused.getMessage().contains("s3cret"), refused.getMessage());
        assertTrue(refused.getMessage().contains(JournalCredentials.PASSWORD_VARIABLE), refused.getMessage());
        assertEquals(
                Optional.of(new JournalBench.Postgres("jdbc:postgresql://db/c", "postgres", "fromenv")),
                PostgresChoice.resolve(
                        Optional.of("jdbc:postgresql://db/c"),
                        Map.of(JournalCredentials.PASSWORD_VARIABLE, "fromenv", PostgresChoice.PASSWORD, "test")));
        Path file = Files.writeString(dir.resolve("pw"), "fromfile\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertEquals(
                Optional.of(new JournalBench.Postgres("jdbc:postgresql://db/c?user=u", "u", "fromfile")),
                PostgresChoice.resolve(
                        Optional.of("jdbc:postgresql://db/c?user=u&passwordFile=" + file),
                        Map.of(JournalCredentials.PASSWORD_VARIABLE, "fromenv")));
        assertFalse(new JournalBench.Postgres("jdbc:postgresql://db/c", "u", "s3cret")
                .toString()
                .contains("s3cret"));
    }

    @Test
    void unknownOptionsAreUsageErrors() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new CustodyCli()).setErr(new PrintWriter(err));
        assertEquals(2, cli.execute("bench", "journal", "--fast"));
        assertTrue(err.toString().contains("--fast"), err.toString());
    }
}
