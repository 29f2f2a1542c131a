package dev.custody.persistence;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Map;

/**
 * A journal as users spell it: {@code memory}, {@code h2:DIR} (an embedded H2 file in DIR, the
 * durable default) or a PostgreSQL JDBC URL ({@code jdbc:postgresql://127.0.0.1:5432/db?user=u}),
 * whose password comes from the environment or a file, never from the URL ({@link JournalCredentials}).
 * Print a journal setting only as {@link #redacted()}: the configuration holds the password.
 */
public record JournalSpec(String spelling, Config config) {

    private static final String DB = "pekko-persistence-jdbc.shared-databases.slick.db.";

    /** The engine instance name the crash harness writes and replay/inspect read by default. */
    public static final String DEFAULT_INSTANCE = "custody";

    /** The journal {@code text} names; a PostgreSQL password from this process's environment or a file. */
    public static JournalSpec parse(String text) {
        return parse(text, System.getenv());
    }

    /** The journal {@code text} names; a PostgreSQL password from {@code environment} or a file. */
    public static JournalSpec parse(String text, Map<String, String> environment) {
        if (text.equals("memory")) {
            return new JournalSpec(text, Journals.inMemory());
        }
        if (text.startsWith("h2:")) {
            String dir = text.substring(3);
            if (dir.isBlank()) {
                throw new IllegalArgumentException("--journal h2: needs a directory, e.g. h2:custody-data");
            }
            return new JournalSpec(text, Journals.h2(Path.of(dir)));
        }
        if (text.startsWith("jdbc:postgresql:")) {
            JournalCredentials.Login login = JournalCredentials.postgres(text, environment);
            return new JournalSpec(text, Journals.postgres(login.url(), login.user(), login.password()));
        }
        throw new IllegalArgumentException("--journal must be memory, h2:DIR or a jdbc:postgresql: URL, not \""
                + JournalCredentials.redacted(text) + "\"");
    }

    /** The spelling as it may be printed: any password in it hidden. */
    public String redacted() {
        return JournalCredentials.redacted(spelling);
    }

    /** What a child process is given as its {@code --journal}: no password file, its password in {@link #childEnvironment}. */
    public String childSpelling() {
        return spelling.startsWith("jdbc:postgresql:") ? JournalCredentials.withoutPasswordFile(spelling) : spelling;
    }

    /** The environment a child process needs to open this journal: its password, if it has one. */
    public Map<String, String> childEnvironment() {
        return childEnvironment(config);
    }

    /** The environment a child process needs to open the journal {@code config} configures: its password, if any. */
    public static Map<String, String> childEnvironment(Config config) {
        if (!config.hasPath(DB + "password")
                || config.getString(DB + "password").isEmpty()) {
            return Map.of();
        }
        return Map.of(JournalCredentials.PASSWORD_VARIABLE, config.getString(DB + "password"));
    }

    /** The record's own toString would print the configuration, password included. */
    @Override
    public String toString() {
        return "JournalSpec[" + redacted() + "]";
    }

    /** A journal a later process can read: the in-memory one dies with the process that wrote it. */
    public static JournalSpec durable(String spelling) {
        JournalSpec spec = parse(spelling);
        if (spelling.equals("memory")) {
            throw new IllegalArgumentException(
                    "--journal memory holds nothing once its process is gone; give h2:DIR or a jdbc:postgresql: URL");
        }
        return spec;
    }

    /** Creates the journal's tables when they are missing (a no-op in memory). */
    public JournalSpec prepared() {
        SchemaCreator.createIfMissing(config);
        return this;
    }
}
