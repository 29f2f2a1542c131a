package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An H2 journal directory is a path, never JDBC URL syntax: {@code h2:DIR;INIT=RUNSCRIPT FROM '...'--}
 * once ran the script when the journal was opened. The directory is checked before any URL is built.
 */
class JournalPathInjectionTest {
    private static final String DB = "pekko-persistence-jdbc.shared-databases.slick.db.";

    @TempDir
    Path data;

    @Test
    void aDirectoryWithUrlSettingsIsRefusedAndNothingRuns() throws Exception {
        Path marker = data.resolve("script-ran");
        Path script = data.resolve("script.sql");
        Files.writeString(script, "CALL FILE_WRITE('ran', '" + marker + "');\n");
        String spelling = "h2:" + data.resolve("journal") + ";INIT=RUNSCRIPT FROM '" + script + "'--";

        IllegalArgumentException refused = assertThrows(
                IllegalArgumentException.class,
                () -> JournalSpec.parse(spelling).prepared());
        assertTrue(refused.getMessage().contains("';'"), refused.getMessage());
        IllegalArgumentException direct = assertThrows(
                IllegalArgumentException.class,
                () -> SchemaCreator.createIfMissing(Journals.h2(Path.of(spelling.substring(3)))));
        assertTrue(direct.getMessage().contains("';'"), direct.getMessage());
        assertFalse(Files.exists(marker), "the injected script ran");
    }

    @Test
    void controlCharactersAreRefusedToo() {
        assertThrows(IllegalArgumentException.class, () -> Journals.h2(data.resolve("a\nb")));
    }

    @Test
    void aPlainDirectoryBecomesAnAbsoluteNormalisedFileUrl() {
        Config journal =
                JournalSpec.parse("h2:" + data.resolve("x/../journal dir")).config();
        String url = journal.getString(DB + "url");
        assertTrue(url.startsWith("jdbc:h2:file:" + data.resolve("journal dir").resolve(Journals.H2_FILE) + ";"), url);
        assertEquals(url.indexOf(';'), url.indexOf(";DATABASE_TO_UPPER"), url);
    }
}
