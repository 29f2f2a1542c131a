package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A journal file H2 refuses is named, with how to convert one an earlier build wrote; others get no hint. */
class H2FileFormatTest {
    @TempDir
    Path data;

    @Test
    void aFileH2CallsCorruptedIsNamedWithTheConversion() throws Exception {
        Config journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        Path file = data.resolve("custody-journal.mv.db");
        byte[] bytes = Files.readAllBytes(file);
        Arrays.fill(bytes, 0, bytes.length, (byte) 'x'); // no header H2 can read
        Files.write(file, bytes);

        SQLException reading = assertThrows(SQLException.class, () -> ReadOnlyJournal.open(journal));
        assertTrue(reading.getMessage().startsWith("H2 cannot read the journal " + file), reading.getMessage());
        assertTrue(reading.getMessage().contains("org.h2.tools.RunScript"), reading.getMessage());

        IllegalStateException starting =
                assertThrows(IllegalStateException.class, () -> SchemaCreator.createIfMissing(journal));
        assertTrue(starting.getMessage().contains("org.h2.tools.Script of H2 2.5.252"), starting.getMessage());
    }

    @Test
    void otherFailuresGetNoHint() {
        assertEquals("", H2FileFormat.hintFor(new SQLException("connection refused", "08001", 0)));
        assertEquals("", H2FileFormat.hintFor(new IllegalStateException("no database")));
    }
}
