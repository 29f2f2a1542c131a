package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code --journal} spelling reaches the test suite's PostgreSQL with its password from the
 * environment or a file; the server refuses a connection without it (./test's throwaway server asks
 * every connection for the password).
 */
class PostgresPasswordTest {
    @TempDir
    Path dir;

    private String url;
    private String user;
    private String password;

    @BeforeEach
    void needsAServer() {
        url = System.getenv(PostgresJournalTest.URL);
        if (url == null) {
            fail("no PostgreSQL server: " + PostgresJournalTest.URL + " is not set (./test starts one)");
        }
        user = System.getenv().getOrDefault(PostgresJournalTest.USER, "postgres");
        password = System.getenv().getOrDefault(PostgresJournalTest.PASSWORD, "");
    }

    private String spelling(String extra) {
        return url + (url.contains("?") ? "&" : "?") + "user=" + user + extra;
    }

    @Test
    void thePasswordFromTheEnvironmentOpensTheJournal() {
        JournalSpec.parse(spelling(""), Map.of(JournalCredentials.PASSWORD_VARIABLE, password))
                .prepared();
    }

    @Test
    void thePasswordFromAFileOpensTheJournal() throws Exception {
        Path file = Files.writeString(dir.resolve("password"), password + "\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        JournalSpec.parse(spelling("&passwordFile=" + file), Map.of()).prepared();
    }

    @Test
    void withoutThePasswordTheServerRefusesAndTheMessageHoldsNoSecret() {
        if (password.isEmpty()) {
            fail(PostgresJournalTest.PASSWORD + " is empty: the test server must ask for a password");
        }
        IllegalStateException refused = assertThrows(
                IllegalStateException.class,
                () -> JournalSpec.parse(spelling(""), Map.of(JournalCredentials.PASSWORD_VARIABLE, "wrong"))
                        .prepared());
        assertTrue(refused.getMessage().contains("password"), refused.getMessage());
        assertFalse(refused.getMessage().contains(password), refused.getMessage());
    }
}
