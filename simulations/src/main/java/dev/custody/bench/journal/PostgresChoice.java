package dev.custody.bench.journal;

import dev.custody.persistence.JournalCredentials;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which PostgreSQL the journal benchmark uses: {@code --postgres URL}, else the test suite's
 * CUSTODY_TEST_POSTGRES_URL, else none. The user is the URL's {@code user=}, else
 * CUSTODY_TEST_POSTGRES_USER, else postgres. The password never comes from the URL (it would show in
 * the process list): {@code passwordFile=FILE} in the URL, else CUSTODY_JOURNAL_PASSWORD, else
 * CUSTODY_TEST_POSTGRES_PASSWORD ({@link JournalCredentials}).
 */
public final class PostgresChoice {
    private PostgresChoice() {}

    public static final String URL = "CUSTODY_TEST_POSTGRES_URL";
    public static final String USER = "CUSTODY_TEST_POSTGRES_USER";
    public static final String PASSWORD = "CUSTODY_TEST_POSTGRES_PASSWORD";

    public static Optional<JournalBench.Postgres> resolve(Optional<String> option, Map<String, String> environment) {
        Optional<String> url =
                option.or(() -> Optional.ofNullable(environment.get(URL)).filter(u -> !u.isBlank()));
        if (url.isEmpty()) {
            return Optional.empty();
        }
        if (!url.get().startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(
                    "--postgres needs a jdbc:postgresql: URL, not \"" + JournalCredentials.redacted(url.get()) + "\"");
        }
        Map<String, String> passwords = new HashMap<>(environment);
        if (!passwords.containsKey(JournalCredentials.PASSWORD_VARIABLE) && environment.containsKey(PASSWORD)) {
            passwords.put(JournalCredentials.PASSWORD_VARIABLE, environment.get(PASSWORD));
        }
        JournalCredentials.Login login =
                JournalCredentials.postgres(url.get(), passwords, environment.getOrDefault(USER, "postgres"));
        return Optional.of(new JournalBench.Postgres(login.url(), login.user(), login.password()));
    }
}
