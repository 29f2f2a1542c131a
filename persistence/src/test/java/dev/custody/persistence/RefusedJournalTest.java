package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.Config;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.entity.KernelJournal;
import dev.custody.model.Command;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A journal the engine must not trust (a record cut short, a record of a newer format, a Header naming
 * a newer format) is refused when the engine starts on it: the start fails, the log names the
 * persistence id, the damaged row's sequence number and the reason, and not a row is written to it.
 */
class RefusedJournalTest {
    private static final String INSTANCE = "refused";
    private static final String COORDINATOR = INSTANCE + "|kernel";

    @TempDir
    Path data;

    private Config journal;

    @BeforeEach
    void writeAJournal() {
        journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = EngineAdmin.start(runtime, INSTANCE, GoldenSamples.topology(), Duration.ofSeconds(60))
                    .toCompletableFuture()
                    .join();
            engine.execute(new Command.DriverUnbind(GoldenSamples.NIC))
                    .toCompletableFuture()
                    .join();
            engine.execute(new Command.DriverBind(GoldenSamples.NIC, "vfio-pci"))
                    .toCompletableFuture()
                    .join();
            engine.quiesce().toCompletableFuture().join();
            engine.stop().toCompletableFuture().join();
        }
    }

    /** Row 3 of the coordinator (the boot decision) cut in half, as a torn write would leave it. */
    @Test
    void aRecordCutShortIsRefusedNamingItsRow() throws Exception {
        update(3, "\"event_payload\"", payload -> Arrays.copyOf((byte[]) payload, ((byte[]) payload).length / 2));
        String failure = startAndFail();
        assertTrue(failure.contains("the row with sequence number 3 of persistence id " + COORDINATOR), failure);
        assertTrue(failure.contains("manifest [127@v1]"), failure);
    }

    @Test
    void aRecordOfANewerFormatIsRefusedNamingIt() throws Exception {
        update(2, "\"event_ser_manifest\"", manifest -> "10@v2");
        String failure = startAndFail();
        assertTrue(failure.contains("the row with sequence number 2 of persistence id " + COORDINATOR), failure);
        assertTrue(failure.contains("written in journal format 2"), failure);
    }

    @Test
    void aHeaderNamingANewerFormatIsRefused() throws Exception {
        KernelJournal.Header newer = new KernelJournal.Header(2, "Custody 9.0.0");
        update(1, "\"event_payload\"", payload -> new KryoJournalSerializer().toBinary(newer));
        String failure = startAndFail();
        assertTrue(failure.contains("PersistenceId [" + COORDINATOR + "]"), failure);
        assertTrue(failure.contains("sequence number [1]"), failure);
        assertTrue(failure.contains("written in format 2 by Custody 9.0.0"), failure);
    }

    /** Starts the engine, which must fail; returns what the log said; checks nothing was written. */
    private String startAndFail() throws Exception {
        List<String> before = contents();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        root.addAppender(log);
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            assertThrows(
                    RuntimeException.class,
                    () -> EngineAdmin.start(runtime, INSTANCE, GoldenSamples.topology(), Duration.ofSeconds(3))
                            .toCompletableFuture()
                            .join());
        } finally {
            root.detachAppender(log);
        }
        assertEquals(before, contents(), "nothing is written to a journal that is refused");
        List<String> messages = new ArrayList<>();
        for (ILoggingEvent event : log.list) {
            messages.add(event.getFormattedMessage());
            for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
                messages.add(cause.getMessage());
            }
        }
        return messages.stream()
                .filter(m -> m != null && m.contains(COORDINATOR))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no log line names " + COORDINATOR + ": " + messages));
    }

    private void update(long sequenceNr, String column, java.util.function.UnaryOperator<Object> change)
            throws Exception {
        try (Connection connection = connect();
                PreparedStatement read = connection.prepareStatement("select " + column + " from \"event_journal\""
                        + " where \"persistence_id\" = ? and \"sequence_number\" = ?")) {
            read.setString(1, COORDINATOR);
            read.setLong(2, sequenceNr);
            Object value;
            try (ResultSet row = read.executeQuery()) {
                assertTrue(row.next(), "row " + sequenceNr);
                value = column.equals("\"event_payload\"") ? row.getBytes(1) : row.getObject(1);
            }
            try (PreparedStatement write = connection.prepareStatement("update \"event_journal\" set " + column
                    + " = ? where \"persistence_id\" = ? and \"sequence_number\" = ?")) {
                write.setObject(1, change.apply(value));
                write.setString(2, COORDINATOR);
                write.setLong(3, sequenceNr);
                assertEquals(1, write.executeUpdate());
            }
        }
    }

    /** Every row of the journal's tables, as text. */
    private List<String> contents() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection connection = connect();
                Statement statement = connection.createStatement()) {
            for (String table : List.of("event_journal", "event_tag", "snapshot")) {
                try (ResultSet result = statement.executeQuery("select * from \"" + table + "\" order by 1, 2")) {
                    int columns = result.getMetaData().getColumnCount();
                    while (result.next()) {
                        StringBuilder row = new StringBuilder(table);
                        for (int n = 1; n <= columns; n++) {
                            int type = result.getMetaData().getColumnType(n);
                            boolean bytes = type == java.sql.Types.BLOB
                                    || type == java.sql.Types.VARBINARY
                                    || type == java.sql.Types.BINARY
                                    || type == java.sql.Types.LONGVARBINARY;
                            row.append('|').append(bytes ? Arrays.toString(result.getBytes(n)) : result.getObject(n));
                        }
                        rows.add(row.toString());
                    }
                }
            }
        }
        return rows;
    }

    private Connection connect() throws Exception {
        return DriverManager.getConnection(
                journal.getString("pekko-persistence-jdbc.shared-databases.slick.db.url"), "sa", "");
    }
}
