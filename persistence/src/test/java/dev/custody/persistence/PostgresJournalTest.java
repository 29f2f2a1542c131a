package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import org.junit.jupiter.api.BeforeEach;

/**
 * The same contract on a real PostgreSQL server. {@code ./test} starts a throwaway cluster and sets
 * {@value #URL}; without a server the test fails, saying how to get one, rather than being skipped.
 */
class PostgresJournalTest extends JdbcJournalContract {
    static final String URL = "CUSTODY_TEST_POSTGRES_URL";
    static final String USER = "CUSTODY_TEST_POSTGRES_USER";
    static final String PASSWORD = "CUSTODY_TEST_POSTGRES_PASSWORD";

    @BeforeEach
    void needsAServer() {
        if (System.getenv(URL) == null) {
            fail("no PostgreSQL server: " + URL + " is not set. ./test starts a throwaway one (Debian's postgresql,"
                    + " which ./test installs when run as root); or set " + URL + "=jdbc:postgresql://HOST:PORT/DB"
                    + " and " + USER + "/" + PASSWORD + ".");
        }
    }

    @Override
    Config journal() {
        return Journals.postgres(
                System.getenv(URL),
                System.getenv().getOrDefault(USER, "postgres"),
                System.getenv().getOrDefault(PASSWORD, ""));
    }
}
