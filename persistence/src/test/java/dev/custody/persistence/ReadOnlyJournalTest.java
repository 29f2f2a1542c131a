package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal under investigation does not change by a byte: every file in its directory has the same
 * SHA-256 before and after it is read, also when it holds a commit a crash interrupted (which reads as
 * committed).
 */
class ReadOnlyJournalTest {
    private static final String ROW =
            "insert into \"event_journal\" (\"persistence_id\", \"sequence_number\", \"writer\", "
                    + "\"write_timestamp\", \"adapter_manifest\", \"event_payload\", \"event_ser_id\", \"event_ser_manifest\") "
                    + "values ('custody|device|0000:00:04.1', %d, 'w', 0, '', X'01', 1, 'm')";

    @TempDir
    Path data;

    @Test
    void readingLeavesEveryFileAsItWas() throws Exception {
        Config journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        try (Connection writer = DriverManager.getConnection(url(journal), "sa", "");
                Statement statement = writer.createStatement()) {
            statement.executeUpdate(ROW.formatted(1));
            statement.executeUpdate(ROW.formatted(2));
        }
        Map<String, String> before = checksums(data);
        try (ReadOnlyJournal evidence = ReadOnlyJournal.open(journal)) {
            assertEquals(2, rows(evidence.connection()));
            assertThrows(SQLException.class, () -> {
                try (Statement statement = evidence.connection().createStatement()) {
                    statement.executeUpdate(ROW.formatted(3));
                }
            });
        }
        assertEquals(before, checksums(data));
    }

    @Test
    void aCommitACrashInterruptedReadsAsCommittedAndTheFileStaysAsItWas() throws Exception {
        Config journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        InterruptedH2Commit.leave(url(journal), ROW.formatted(14));
        Map<String, String> before = checksums(data);
        try (ReadOnlyJournal evidence = ReadOnlyJournal.open(journal)) {
            assertEquals(1, rows(evidence.connection()), "the row H2's undo log says is committed is read");
        }
        assertEquals(before, checksums(data));
    }

    @Test
    void aMissingJournalIsNamedAndNotCreated() {
        Config journal = Journals.h2(data.resolve("nothing-here"));
        SQLException missing = assertThrows(SQLException.class, () -> ReadOnlyJournal.open(journal));
        assertTrue(missing.getMessage().startsWith("there is no journal at "), missing.getMessage());
        assertFalse(Files.exists(data.resolve("nothing-here")));
    }

    private static String url(Config journal) {
        return journal.getString("pekko-persistence-jdbc.shared-databases.slick.db.url");
    }

    private static int rows(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet count = statement.executeQuery("select count(*) from \"event_journal\"")) {
            count.next();
            return count.getInt(1);
        }
    }

    /** Every file under {@code directory} by relative name, with its SHA-256. */
    static Map<String, String> checksums(Path directory) {
        Map<String, String> sums = new TreeMap<>();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                sums.put(
                        directory.relativize(file).toString(),
                        HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return sums;
    }
}
