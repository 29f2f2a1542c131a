package dev.custody.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The build's version and the commit it was built from, as resource filtering wrote them. */
public final class BuildInfo {
    private BuildInfo() {}

    /** What {@code custody --version} prints, e.g. "custody 0.1.0 (commit 1a2b3c4)". */
    public static String versionLine() {
        Properties build = read();
        String version = known(build.getProperty("version")).orElse("(unknown version)");
        String commit = known(build.getProperty("commit"))
                .map(id -> "commit " + id + ("true".equals(build.getProperty("dirty")) ? " with local changes" : ""))
                .orElse("commit unknown (not built from a git checkout)");
        return "custody " + version + " (" + commit + ")";
    }

    /** A filtered value, or empty when the build left the placeholder (or nothing) in place. */
    private static java.util.Optional<String> known(String value) {
        return value == null || value.isBlank() || value.startsWith("${")
                ? java.util.Optional.empty()
                : java.util.Optional.of(value);
    }

    private static Properties read() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }
}
