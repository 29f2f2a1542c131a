package dev.custody.persistence;

import com.typesafe.config.Config;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A journal as users spell it: {@code memory}, {@code h2:DIR} (an embedded H2 file in DIR, the
 * durable default) or a PostgreSQL JDBC URL ({@code jdbc:postgresql://127.0.0.1:5432/db?user=u&password=p}).
 */
public record JournalSpec(String spelling, Config config) {

    /** The engine instance name the crash harness writes and replay/inspect read by default. */
    public static final String DEFAULT_INSTANCE = "custody";

    public static JournalSpec parse(String text) {
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
            Map<String, String> query = query(text);
            return new JournalSpec(
                    text,
                    Journals.postgres(
                            text, query.getOrDefault("user", "postgres"), query.getOrDefault("password", "")));
        }
        throw new IllegalArgumentException(
                "--journal must be memory, h2:DIR or a jdbc:postgresql: URL, not \"" + text + "\"");
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

    private static Map<String, String> query(String url) {
        Map<String, String> parameters = new LinkedHashMap<>();
        int question = url.indexOf('?');
        if (question < 0) {
            return parameters;
        }
        for (String pair : url.substring(question + 1).split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                parameters.put(
                        pair.substring(0, equals),
                        URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return parameters;
    }
}
