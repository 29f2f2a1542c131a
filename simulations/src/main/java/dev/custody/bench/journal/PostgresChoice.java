package dev.custody.bench.journal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Which PostgreSQL the journal benchmark uses: {@code --postgres URL}, else the test suite's
 * CUSTODY_TEST_POSTGRES_URL (with its _USER and _PASSWORD), else none. User and password may also
 * be given in the URL's query ({@code ?user=u&password=p}); the default user is postgres.
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
            throw new IllegalArgumentException("--postgres needs a jdbc:postgresql: URL, not \"" + url.get() + "\"");
        }
        Map<String, String> query = query(url.get());
        String user = query.getOrDefault("user", environment.getOrDefault(USER, "postgres"));
        String password = query.getOrDefault("password", environment.getOrDefault(PASSWORD, ""));
        return Optional.of(new JournalBench.Postgres(url.get(), user, password));
    }

    private static Map<String, String> query(String url) {
        Map<String, String> parameters = new java.util.LinkedHashMap<>();
        int question = url.indexOf('?');
        if (question >= 0) {
            for (String pair : url.substring(question + 1).split("&")) {
                int equals = pair.indexOf('=');
                if (equals > 0) {
                    parameters.put(
                            pair.substring(0, equals),
                            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return parameters;
    }
}
