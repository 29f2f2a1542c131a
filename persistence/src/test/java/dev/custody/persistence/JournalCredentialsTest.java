package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL journal's password never comes from its URL (the process list shows a command line to
 * every user), and no journal setting custody prints holds one.
 */
class JournalCredentialsTest {
    private static final String DB = "pekko-persistence-jdbc.shared-databases.slick.db.";
    private static final String SECRET = "s3cret-Pa55";

    @TempDir
    Path dir;

    @Test
    void aPasswordInTheUrlIsRefusedSayingHowToGiveIt() {
        for (String url : new String[] {
            "jdbc:postgresql://db:5432/c?user=u&password=" + SECRET,
            "jdbc:postgresql://db:5432/c?PASSWORD=" + SECRET + "&user=u",
            "jdbc:postgresql://db:5432/c?user=u&sslpassword=" + SECRET,
            "jdbc:postgresql://u:" + SECRET + "@db:5432/c"
        }) {
            IllegalArgumentException refused =
                    assertThrows(IllegalArgumentException.class, () -> JournalSpec.parse(url, Map.of()), url);
            assertFalse(refused.getMessage().contains(SECRET), refused.getMessage());
            assertTrue(refused.getMessage().contains(JournalCredentials.PASSWORD_VARIABLE), refused.getMessage());
            assertTrue(refused.getMessage().contains("passwordFile=FILE"), refused.getMessage());
        }
    }

    @Test
    void thePasswordComesFromTheEnvironment() {
        JournalSpec spec = JournalSpec.parse(
                "jdbc:postgresql://db:5432/c?user=u", Map.of(JournalCredentials.PASSWORD_VARIABLE, SECRET));
        assertEquals(SECRET, spec.config().getString(DB + "password"));
        assertEquals("u", spec.config().getString(DB + "user"));
        assertEquals("jdbc:postgresql://db:5432/c?user=u", spec.config().getString(DB + "url"));
    }

    @Test
    void aPasswordFileInTheUrlWinsAndTheDriverNeverSeesItsName() throws Exception {
        Path file = Files.writeString(dir.resolve("journal-password"), SECRET + "\nignored\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String spelling = "jdbc:postgresql://db:5432/c?passwordFile=" + file + "&user=u";
        JournalSpec spec = JournalSpec.parse(spelling, Map.of(JournalCredentials.PASSWORD_VARIABLE, "other"));
        assertEquals(SECRET, spec.config().getString(DB + "password"));
        assertEquals("jdbc:postgresql://db:5432/c?user=u", spec.config().getString(DB + "url"));
        assertEquals("jdbc:postgresql://db:5432/c?user=u", spec.childSpelling());
        assertEquals(Map.of(JournalCredentials.PASSWORD_VARIABLE, SECRET), spec.childEnvironment());
    }

    @Test
    void aPasswordFileOthersCanReadIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("shared-password"), SECRET + "\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        IllegalArgumentException refused = assertThrows(
                IllegalArgumentException.class,
                () -> JournalSpec.parse("jdbc:postgresql://db/c?passwordFile=" + file, Map.of()));
        assertTrue(refused.getMessage().contains("chmod 600 " + file), refused.getMessage());
        assertFalse(refused.getMessage().contains(SECRET), refused.getMessage());
    }

    @Test
    void aMissingPasswordFileIsNamed() {
        Path missing = dir.resolve("nowhere");
        IllegalArgumentException refused = assertThrows(
                IllegalArgumentException.class,
                () -> JournalSpec.parse("jdbc:postgresql://db/c?passwordFile=" + missing, Map.of()));
        assertTrue(refused.getMessage().contains(missing.toString()), refused.getMessage());
    }

    @Test
    void noPrintedFormOfTheJournalHoldsThePassword() {
        JournalSpec spec = JournalSpec.parse(
                "jdbc:postgresql://db:5432/c?user=u", Map.of(JournalCredentials.PASSWORD_VARIABLE, SECRET));
        assertFalse(spec.toString().contains(SECRET), spec.toString());
        assertFalse(spec.redacted().contains(SECRET), spec.redacted());
        assertEquals("jdbc:postgresql://db:5432/c?user=u", spec.redacted());
        assertEquals(Map.of(), JournalSpec.parse("h2:" + dir).childEnvironment(), "H2 has no password");
        String h2 = "h2:" + dir.resolve("odd?passwordFile=name");
        assertEquals(h2, JournalSpec.parse(h2).childSpelling(), "an H2 directory is a path, not a URL");
    }

    @Test
    void redactionHidesEveryPasswordSpelling() {
        assertEquals(
                "jdbc:postgresql://db/c?user=u&password=***&ssl=true",
                JournalCredentials.redacted("jdbc:postgresql://db/c?user=u&password=" + SECRET + "&ssl=true"));
        assertEquals(
                "jdbc:postgresql://db/c?sslPassword=***",
                JournalCredentials.redacted("jdbc:postgresql://db/c?sslPassword=" + SECRET));
        assertEquals(
                "jdbc:postgresql://u:***@db/c", JournalCredentials.redacted("jdbc:postgresql://u:" + SECRET + "@db/c"));
        assertEquals("jdbc:h2:file:/x;PASSWORD=***", JournalCredentials.redacted("jdbc:h2:file:/x;PASSWORD=" + SECRET));
        assertEquals(
                "jdbc:postgresql://db/c?passwordFile=/etc/pw",
                JournalCredentials.redacted("jdbc:postgresql://db/c?passwordFile=/etc/pw"),
                "a file's name is no secret");
    }

    /** The message of a failed schema creation names the URL: never with its password. */
    @Test
    void theSchemaCreationErrorHidesThePassword() {
        var journal = Journals.postgres(
                "jdbc:postgresql://127.0.0.1:9/none?user=u&password=" + SECRET + "&connectTimeout=2", "u", SECRET);
        IllegalStateException failed =
                assertThrows(IllegalStateException.class, () -> SchemaCreator.createIfMissing(journal));
        assertTrue(failed.getMessage().startsWith("cannot create the journal tables on"), failed.getMessage());
        assertFalse(failed.getMessage().contains(SECRET), failed.getMessage());
    }
}
