package dev.custody.bench.journal;

import dev.custody.persistence.Journals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What an H2 journal takes on disk: the file as the engine left it, and a copy of it compacted by H2
 * ({@code SHUTDOWN COMPACT}), the least the same rows can take. Measured on a closed journal; the
 * journal itself is only read (copied).
 */
public record JournalFootprint(long fileBytes, long compactedBytes) {

    /** The file over its compacted size: how much room H2 has not given back. */
    public double ratio() {
        return compactedBytes == 0 ? Double.NaN : (double) fileBytes / compactedBytes;
    }

    public static JournalFootprint of(Path dataDirectory) {
        Path file = dataDirectory.resolve(Journals.H2_FILE + ".mv.db");
        Path copyDirectory = TemporaryDirectory.create("custody-footprint");
        try {
            Path copy = copyDirectory.resolve(Journals.H2_FILE + ".mv.db");
            long fileBytes = Files.size(file);
            Files.copy(file, copy);
            String url =
                    "jdbc:h2:file:" + copyDirectory.resolve(Journals.H2_FILE).toAbsolutePath()
                            + ";DATABASE_TO_UPPER=false;IFEXISTS=TRUE";
            try (Connection connection = DriverManager.getConnection(url, "sa", "");
                    Statement statement = connection.createStatement()) {
                statement.execute("SHUTDOWN COMPACT");
            }
            return new JournalFootprint(fileBytes, Files.size(copy));
        } catch (IOException | SQLException e) {
            throw new IllegalStateException(
                    "cannot measure the journal in " + dataDirectory + ": " + e.getMessage(), e);
        } finally {
            TemporaryDirectory.delete(copyDirectory);
        }
    }
}
