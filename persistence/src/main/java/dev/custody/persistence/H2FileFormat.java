package dev.custody.persistence;

import java.sql.SQLException;

/**
 * What to tell a user whose H2 journal file this build cannot read.
 *
 * <p>The build pins H2 2.3.232 (docs/decisions.md says why). Files written by H2 2.5.252, which
 * earlier builds used, can hold pages 2.3.232 does not know, and H2 then calls the file corrupted. Such
 * a file converts losslessly with H2's own tools, so the message says how instead of leaving the user
 * with H2's "use the recovery tool".
 */
public final class H2FileFormat {
    /** H2's FILE_CORRUPTED_1. */
    private static final int FILE_CORRUPTED = 90030;

    private H2FileFormat() {}

    /** A sentence to append to the error when {@code failure} is H2 refusing the file, else "". */
    public static String hintFor(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getErrorCode() == FILE_CORRUPTED) {
                return " This build reads H2 files with H2 " + org.h2.engine.Constants.VERSION
                        + ". A journal written by an earlier Custody build (H2 2.5.252) converts once with H2's own"
                        + " tools: org.h2.tools.Script of H2 2.5.252 writes it out as SQL, org.h2.tools.RunScript of"
                        + " this H2 reads it into a new file (docs/decisions.md, \"H2 2.3.232\").";
            }
        }
        return "";
    }
}
