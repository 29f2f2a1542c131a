package dev.custody.persistence;

import dev.custody.entity.JournalFormat;
import java.io.NotSerializableException;

/**
 * A row's manifest as {@link KryoJournalSerializer} writes it: the registration id of the record's
 * class and the journal format, {@code "<id>@v<format>"}; or, in rows of format 0, the id alone. An id
 * alone is digits only and a versioned manifest always holds an '@', so the two cannot be confused.
 */
record RowManifest(String text, int id, int format) {

    static RowManifest parse(String manifest) throws NotSerializableException {
        int at = manifest.indexOf('@');
        String id = at < 0 ? manifest : manifest.substring(0, at);
        String version = at < 0 ? "" : manifest.substring(at + 1);
        boolean versioned = at >= 0;
        if (!digits(id)
                || versioned
                        && !(version.startsWith("v")
                                && digits(version.substring(1))
                                && Integer.parseInt(version.substring(1)) >= 1)) {
            throw new NotSerializableException(KryoJournalSerializer.NAME + " cannot read a record with manifest ["
                    + manifest + "]: a manifest is a registration id, then @v and the journal format (\"11@v"
                    + JournalFormat.CURRENT + "\") or, in older rows, the id alone. Was the record written by"
                    + " another serializer?");
        }
        int format = versioned ? Integer.parseInt(version.substring(1)) : 0;
        if (format > JournalFormat.CURRENT) {
            throw new NotSerializableException(KryoJournalSerializer.NAME + " cannot read a record with manifest ["
                    + manifest + "]: it was written in journal format " + format + ", and "
                    + JournalFormat.custodyVersion() + " reads formats 0 to " + JournalFormat.CURRENT
                    + ". Read the journal with the version that wrote it, or a newer one.");
        }
        return new RowManifest(manifest, Integer.parseInt(id), format);
    }

    /** 1 to 9 decimal digits: an int, never negative. */
    private static boolean digits(String text) {
        if (text.isEmpty() || text.length() > 9) {
            return false;
        }
        for (int n = 0; n < text.length(); n++) {
            if (text.charAt(n) < '0' || text.charAt(n) > '9') {
                return false;
            }
        }
        return true;
    }
}
