package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal the engine closed gives back the room a busy file holds, and keeps every row. Each commit of an append-only table writes a chunk of its own, so a busy file is mostly room H2
 * has not given back; closing with the journal's settings compacts it ({@code MAX_COMPACT_TIME}).
 */
class H2CloseCompactionTest {
    private static final String DB = "pekko-persistence-jdbc.shared-databases.slick.db.";
    private static final int COMMITS = 6_000;

    @TempDir
    Path data;

    @Test
    void aClosedJournalGivesBackItsRoomAndKeepsEveryRow() throws Exception {
        String url = JournalSpec.parse("h2:" + data.resolve("journal")).config().getString(DB + "url");
        Path file = data.resolve("journal").resolve(Journals.H2_FILE + ".mv.db");
        long whileOpen;
        try (Connection connection = DriverManager.getConnection(url, "sa", "")) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("create table journal(ordering bigint primary key, payload varbinary)");
            }
            SplittableRandom random = new SplittableRandom(COMMITS);
            try (PreparedStatement insert = connection.prepareStatement("insert into journal values(?, ?)")) {
                for (int n = 0; n < COMMITS; n++) {
                    byte[] payload = new byte[200]; // a serialized event; random, so that compression cannot shrink it
                    random.nextBytes(payload);
                    insert.setLong(1, n);
                    insert.setBytes(2, payload);
                    insert.executeUpdate(); // one commit, one chunk, as the journal writes
                }
            }
            whileOpen = Files.size(file);
        } // the last connection: H2 closes the database

        long closed = Files.size(file);
        Path copy = data.resolve("copy");
        Files.createDirectories(copy);
        Files.copy(file, copy.resolve(file.getFileName()));
        String copyUrl = "jdbc:h2:file:" + copy.resolve(Journals.H2_FILE) + ";DATABASE_TO_UPPER=false";
        try (Connection connection = DriverManager.getConnection(copyUrl, "sa", "");
                Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery("select count(*), sum(ordering) from journal")) {
                rows.next();
                assertEquals(COMMITS, rows.getInt(1), "rows after the close");
                assertEquals((long) COMMITS * (COMMITS - 1) / 2, rows.getLong(2), "the rows' keys after the close");
            }
            statement.execute("SHUTDOWN COMPACT");
        }
        long compacted = Files.size(copy.resolve(file.getFileName()));
        // most of a busy file is room H2 has not given back; the close gives at least nine tenths back
        assertTrue(
                closed * 10 <= whileOpen,
                "closed, the file is " + closed + " bytes, " + whileOpen + " while open; compacted, " + compacted);
        // measured: 3.2 times the compacted size here, 2.3 times after a 20,000-operation simulation
        assertTrue(
                closed <= 4 * compacted,
                "closed, the file is " + closed + " bytes; compacted, " + compacted + " (" + whileOpen
                        + " while open)");
    }
}
