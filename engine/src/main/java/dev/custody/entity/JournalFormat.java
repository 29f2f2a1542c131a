package dev.custody.entity;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of the journal's format, and of Custody, that this build writes. The format version is
 * in every row the serializer writes and in the first record of every engine's journal
 * ({@link KernelJournal.Header}). It is raised only by a change that an older build must not read past
 * (it would misread the journal, not merely miss a field): such a build then refuses the journal,
 * naming both versions. Fields added to or removed from a record do not raise it.
 *
 * <ul>
 *   <li>0: the records of Custody 0.1 before versioning, positional; journals that have no Header.</li>
 *   <li>1: every record with a field count and its fields by stable tags; a Header first.</li>
 * </ul>
 */
public final class JournalFormat {
    private JournalFormat() {}

    /** The format this build writes, and the newest it reads. */
    public static final int CURRENT = 1;

    private static final String VERSION = readVersion();

    /** "Custody " and the build's version, as a Header names the build that wrote a journal. */
    public static String custodyVersion() {
        return "Custody " + VERSION;
    }

    /** The Header this build writes first in a new journal. */
    public static KernelJournal.Header header() {
        return new KernelJournal.Header(CURRENT, custodyVersion());
    }

    /** Refuses a journal whose Header names a format newer than this build reads. */
    public static void requireReadable(KernelJournal.Header header) {
        if (header.formatVersion() > CURRENT || header.formatVersion() < 1) {
            throw new IllegalStateException("the journal was written in format " + header.formatVersion() + " by "
                    + header.writtenBy() + "; " + custodyVersion() + " reads formats 0 to " + CURRENT
                    + ". Read it with the version that wrote it, or a newer one; nothing was written to it.");
        }
    }

    private static String readVersion() {
        try (InputStream in = JournalFormat.class.getResourceAsStream("custody-version.properties")) {
            if (in == null) {
                return "(unknown version)";
            }
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version", "");
            return version.isBlank() || version.startsWith("${") ? "(unknown version)" : version;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
