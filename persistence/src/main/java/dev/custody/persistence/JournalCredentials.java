package dev.custody.persistence;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a PostgreSQL journal's password comes from, and how a journal setting is shown without it.
 *
 * <p>A password on the command line is visible to every user of the machine (the process list) and was
 * printed wherever the journal setting is (reports, progress, JSON, the crash test's children's
 * command lines, error messages). So a {@code --journal} URL may not hold one: it comes from the
 * environment variable {@value #PASSWORD_VARIABLE}, or from a file the URL names with {@value
 * #PASSWORD_FILE}{@code =FILE} (its first line; a file other users can read is refused). A child
 * process is given it in its environment.
 */
public final class JournalCredentials {
    private JournalCredentials() {}

    /** The environment variable holding the password of a PostgreSQL journal. */
    public static final String PASSWORD_VARIABLE = "CUSTODY_JOURNAL_PASSWORD";

    /** The URL parameter naming a file whose first line is the password; removed before the driver sees the URL. */
    public static final String PASSWORD_FILE = "passwordFile";

    /** What a redacted secret is shown as. */
    public static final String HIDDEN = "***";

    /** The user a PostgreSQL journal connects as when its URL names none. */
    static final String DEFAULT_USER = "postgres";

    /** Query or H2 settings parameters that carry a secret (the PostgreSQL driver reads both). */
    private static final Pattern SECRET_PARAMETER = Pattern.compile("(?i)([?&;](?:ssl)?password=)[^&;]*");

    /** {@code //user:secret@host}: a password in the URL's authority. */
    private static final Pattern SECRET_AUTHORITY = Pattern.compile("(//[^/@:?]*):[^@/?]*@");

    /** A PostgreSQL connection: the URL for the driver (no password file parameter), the user and the password. */
    public record Login(String url, String user, String password) {
        @Override
        public String toString() {
            return "Login[" + redacted(url) + ", user " + user + (password.isEmpty() ? "" : ", password " + HIDDEN)
                    + "]";
        }
    }

    /**
     * The login a {@code jdbc:postgresql:} URL names, its password from {@value #PASSWORD_FILE} or
     * {@value #PASSWORD_VARIABLE} (in that order; none: an empty password). A URL holding a password is
     * refused, saying how to give it instead.
     */
    public static Login postgres(String url, Map<String, String> environment) {
        return postgres(url, environment, DEFAULT_USER);
    }

    /** As {@link #postgres(String, Map)}, with the user a URL without {@code user=} connects as. */
    public static Login postgres(String url, Map<String, String> environment, String defaultUser) {
        refuseSecrets(url);
        Map<String, String> query = query(url);
        String user = query.getOrDefault("user", defaultUser);
        Optional<String> file = Optional.ofNullable(query.get(PASSWORD_FILE));
        String password = file.map(JournalCredentials::readPasswordFile)
                .orElseGet(() -> environment.getOrDefault(PASSWORD_VARIABLE, ""));
        return new Login(withoutPasswordFile(url), user, password);
    }

    /** The setting with every password in it replaced by {@value #HIDDEN}: how a journal setting is printed. */
    public static String redacted(String setting) {
        String hidden = SECRET_PARAMETER.matcher(setting).replaceAll("$1" + HIDDEN);
        return SECRET_AUTHORITY.matcher(hidden).replaceAll("$1:" + HIDDEN + "@");
    }

    /** The URL without its {@value #PASSWORD_FILE} parameter (what a child or the driver is given). */
    public static String withoutPasswordFile(String url) {
        int question = url.indexOf('?');
        if (question < 0) {
            return url;
        }
        List<String> kept = new ArrayList<>();
        for (String pair : url.substring(question + 1).split("&")) {
            if (!pair.isEmpty() && !name(pair).equals(PASSWORD_FILE)) {
                kept.add(pair);
            }
        }
        return url.substring(0, question) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    }

    private static void refuseSecrets(String url) {
        int question = url.indexOf('?');
        if (question >= 0) {
            for (String pair : url.substring(question + 1).split("&")) {
                String name = name(pair).toLowerCase(Locale.ROOT);
                if (name.equals("password") || name.equals("sslpassword")) {
                    throw refusal("\"" + name(pair) + "=\"");
                }
            }
        }
        if (SECRET_AUTHORITY.matcher(url).find()) {
            throw refusal("\"user:password@\"");
        }
    }

    private static IllegalArgumentException refusal(String what) {
        return new IllegalArgumentException("the journal URL holds a password (" + what + "), which anyone on this"
                + " machine could read in the process list; remove it and give the password in the environment"
                + " variable " + PASSWORD_VARIABLE + ", or in a file named in the URL:"
                + " jdbc:postgresql://HOST:PORT/DB?user=USER&" + PASSWORD_FILE + "=FILE");
    }

    private static String readPasswordFile(String file) {
        try {
            refuseShared(Path.of(file));
            List<String> lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.getFirst().isEmpty()) {
                throw new IllegalArgumentException(
                        "the journal password file " + file + " is empty (its first line is" + " the password)");
            }
            return lines.getFirst();
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read the journal password file " + file + " (" + PASSWORD_FILE + "=): " + e, e);
        }
    }

    /** As libpq ignores a .pgpass others can read: a password others can read is no longer a secret. */
    private static void refuseShared(Path file) throws IOException {
        if (!Files.getFileStore(file).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (permissions.contains(PosixFilePermission.GROUP_READ)
                || permissions.contains(PosixFilePermission.OTHERS_READ)) {
            throw new IllegalArgumentException("the journal password file " + file + " can be read by other users ("
                    + PosixFilePermissions.toString(permissions) + "); make it readable by you alone: chmod 600 "
                    + file);
        }
    }

    private static String name(String pair) {
        int equals = pair.indexOf('=');
        return equals < 0 ? pair : pair.substring(0, equals);
    }

    private static Map<String, String> query(String url) {
        Map<String, String> parameters = new java.util.LinkedHashMap<>();
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
