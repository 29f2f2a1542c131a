package dev.custody.persistence;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import org.junit.jupiter.api.BeforeEach;

/**
 * The same contract on a real PostgreSQL server. {@code .ci/run} starts a throwaway cluster and sets
 * {@value #URL} (and {@value #REQUIRED}=1, which turns a missing server into a failure instead of a
 * skip); on a developer machine without it the test is skipped with a message saying how to run it.
 */
class PostgresJournalTest extends JdbcJournalContract {
    static final String URL = "CUSTODY_TEST_POSTGRES_URL";
    static final String USER = "CUSTODY_TEST_POSTGRES_USER";
    static final String PASSWORD = "CUSTODY_TEST_POSTGRES_PASSWORD";
    static final String REQUIRED = "CUSTODY_TEST_POSTGRES_REQUIRED";

    @BeforeEach
    void needsAServer() {
        boolean required = "1".equals(System.getenv(REQUIRED));
        if (required && System.getenv(URL) == null) {
            throw new IllegalStateException(REQUIRED + "=1 but " + URL + " is not set");
        }
        assumeTrue(System.getenv(URL) != null, URL + " is not set, so the PostgreSQL journal test is skipped."
                + " Run scripts/test-postgres.sh (it starts a throwaway PostgreSQL cluster and runs ./test),"
                + " or set " + URL + "=jdbc:postgresql://HOST:PORT/DB and " + USER + "/" + PASSWORD + ".");
    }

    @Override
    Config journal() {
        return Journals.postgres(System.getenv(URL), System.getenv().getOrDefault(USER, "postgres"),
                System.getenv().getOrDefault(PASSWORD, ""));
    }
}
