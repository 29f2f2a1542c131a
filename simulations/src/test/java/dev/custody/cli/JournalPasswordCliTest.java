package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.persistence.JournalCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL journal's password is never taken from a command line, which every user of the machine
 * can read, and never printed: not by simulate's text, JSON or HTML report, not by crash-test's progress
 * or JSON summary. The runs on the test suite's PostgreSQL read the password from a file named in the
 * URL; crash-test's children, which get the journal on their command line, open it too.
 */
class JournalPasswordCliTest {
    private static final String SECRET = "s3cret-Pa55";

    @TempDir
    Path dir;

    @Test
    void everyCommandRefusesAPasswordInTheJournalUrlWithStatus2() {
        String url = "jdbc:postgresql://127.0.0.1:9/none?user=u&password=" + SECRET;
        for (String[] command : new String[][] {
            {"simulate", "--ops", "10", "--journal", url},
            {"crash-test", "--cycles", "1", "--journal", url},
            {"scenario", "run", "--engine", "actors", "--journal", url, "../examples/vfio-passthrough-whole-group.json"
            },
            {"inspect", "--journal", url},
            {"replay", "--journal", url}
        }) {
            CliRun run = CliRun.of(command);
            assertEquals(2, run.status(), String.join(" ", command) + "\n" + run.err());
            assertTrue(run.err().contains(JournalCredentials.PASSWORD_VARIABLE), run.err());
            assertFalse((run.out() + run.err()).contains(SECRET), run.out() + run.err());
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void simulateReportsNeverHoldThePassword() throws Exception {
        Path report = dir.resolve("report.html");
        CliRun json = CliRun.of(
                "simulate",
                "--deterministic",
                "--seed",
                "5",
                "--ops",
                "300",
                "--groups",
                "8",
                "--journal",
                testPostgres(),
                "--json",
                "--report",
                report.toString());
        assertEquals(0, json.status(), json.err());
        assertEquals(
                redactedUrl(),
                new ObjectMapper().readTree(json.out()).get("journal").asText());
        CliRun text = CliRun.of(
                "simulate",
                "--deterministic",
                "--seed",
                "5",
                "--ops",
                "300",
                "--groups",
                "8",
                "--journal",
                testPostgres(),
                "--no-progress");
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains(redactedUrl()), text.out());
        for (String printed : new String[] {json.out(), json.err(), text.out(), text.err(), Files.readString(report)}) {
            assertFalse(printed.contains(password()), printed);
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void crashTestChildrenOpenTheJournalAndNothingPrintedHoldsThePassword() throws Exception {
        CliRun run = CliRun.of(
                "crash-test",
                "--cycles",
                "1",
                "--groups",
                "4",
                "--seed",
                "3",
                "--instance",
                "creds-" + Long.toString(System.nanoTime(), 36),
                "--journal",
                testPostgres(),
                "--json");
        assertEquals(0, run.status(), run.out() + run.err());
        JsonNode summary = new ObjectMapper().readTree(run.out());
        assertEquals(0, summary.get("lost").asInt(), run.out());
        assertTrue(summary.get("acknowledged").asInt() > 0, "the child opened the journal: " + run.out());
        assertFalse(summary.get("journal").asText().contains("passwordFile"), "the child's spelling: " + run.out());
        assertTrue(run.err().contains("journal " + redactedUrl()), "the progress: " + run.err());
        assertFalse((run.out() + run.err()).contains(password()), run.out() + run.err());
    }

    private String testPostgres() throws Exception {
        String url = System.getenv("CUSTODY_TEST_POSTGRES_URL");
        if (url == null) {
            fail("no PostgreSQL server: CUSTODY_TEST_POSTGRES_URL is not set (./test starts one)");
        }
        if (password().isEmpty()) {
            fail("CUSTODY_TEST_POSTGRES_PASSWORD is empty: these runs need a password to hide");
        }
        Path file = dir.resolve("password");
        if (!Files.exists(file)) {
            Files.writeString(file, password() + "\n");
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        return redactedUrl();
    }

    /** The spelling: the password's file is named, the password is not. */
    private String redactedUrl() {
        String url = System.getenv("CUSTODY_TEST_POSTGRES_URL");
        return url + (url.contains("?") ? "&" : "?") + "user="
                + System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_USER", "postgres") + "&passwordFile="
                + dir.resolve("password");
    }

    private static String password() {
        return System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_PASSWORD", "");
    }
}
