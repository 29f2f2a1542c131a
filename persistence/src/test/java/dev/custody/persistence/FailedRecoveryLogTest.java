package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.Config;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.model.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What the log says of a recovery that fails on a torn row (issue 13): one WARN line per failed
 * recovery naming the persistence id, the row and the reason, no stack trace at WARN or above (Pekko's
 * supervisor wrote one of some forty lines at ERROR for each), and the stack trace still there at DEBUG.
 */
class FailedRecoveryLogTest {
    private static final String INSTANCE = "logged";
    private static final String DEVICE = INSTANCE + "|device|" + GoldenSamples.NIC.name();
    /** Far above the second or so a torn row takes to make its entity stuck; far below the asks' timeout. */
    private static final Duration BOUND = Duration.ofSeconds(30);

    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(120);
    /** Where Pekko's supervisor of an entity logs, and where the engine does. */
    private static final List<String> LOGGERS = List.of("dev.custody.entity.EntityActor", "dev.custody.engine");

    @TempDir
    Path data;

    @Test
    void aFailedRecoveryOfATornRowIsOneWarnLineAndItsStackTraceIsAtDebug() throws Exception {
        Config journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = start(runtime);
            engine.execute(new Command.DriverUnbind(GoldenSamples.NIC))
                    .toCompletableFuture()
                    .join();
            engine.quiesce().toCompletableFuture().join();
            engine.stop().toCompletableFuture().join();
        }
        long torn = TornRows.lastRow(journal, DEVICE);
        TornRows.tear(journal, DEVICE, torn);

        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(log);
        LOGGERS.forEach(name -> ((Logger) LoggerFactory.getLogger(name)).setLevel(Level.DEBUG));
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = start(runtime);
            engine.execute(new Command.DriverBind(GoldenSamples.NIC, "vfio-pci"))
                    .toCompletableFuture()
                    .join();
            assertTimeoutPreemptively(
                    BOUND, () -> awaitStuck(engine), "waited for the device with the torn row to be stuck");
            engine.halt().toCompletableFuture().join();
        } finally {
            LOGGERS.forEach(name -> ((Logger) LoggerFactory.getLogger(name)).setLevel(null));
            root.detachAppender(log);
        }

        List<ILoggingEvent> aboutTheDevice = log.list.stream()
                .filter(event ->
                        event.getFormattedMessage().contains(DEVICE) || mentions(event.getThrowableProxy(), DEVICE))
                .toList();
        List<ILoggingEvent> failedRecoveries = aboutTheDevice.stream()
                .filter(event -> event.getLevel() == Level.WARN
                        && event.getFormattedMessage().contains("could not recover from its journal"))
                .toList();
        assertTrue(failedRecoveries.size() >= 3, "a WARN line for each failed recovery: " + lines(aboutTheDevice));
        for (ILoggingEvent line : failedRecoveries) {
            String text = line.getFormattedMessage();
            System.out.println("WARN " + text);
            assertTrue(text.startsWith(DEVICE + " could not recover from its journal: "), text);
            assertTrue(
                    text.contains("the row with sequence number " + torn + " of persistence id " + DEVICE
                            + " cannot be read"),
                    text);
            assertFalse(text.contains("\n"), "one line: " + text);
            assertEquals(null, line.getThrowableProxy(), "no stack trace at WARN: " + text);
        }
        List<ILoggingEvent> tracesAboveDebug = aboutTheDevice.stream()
                .filter(event -> event.getLevel().isGreaterOrEqual(Level.INFO) && event.getThrowableProxy() != null)
                .toList();
        assertEquals(List.of(), lines(tracesAboveDebug), "no stack trace above DEBUG");
        assertTrue(
                aboutTheDevice.stream()
                        .anyMatch(event -> event.getLevel() == Level.DEBUG
                                && mentions(event.getThrowableProxy(), "sequence number " + torn)),
                "the stack trace of a failed recovery is at DEBUG: " + lines(aboutTheDevice));
    }

    private static EngineAdmin start(CustodyRuntime runtime) {
        return EngineAdmin.start(runtime, INSTANCE, GoldenSamples.topology(), ASK_TIMEOUT)
                .toCompletableFuture()
                .join();
    }

    /** Returns once quiesce is refused because the device is stuck. */
    private static void awaitStuck(EngineAdmin engine) {
        try {
            engine.quiesce().toCompletableFuture().join();
        } catch (CompletionException refused) {
            assertTrue(refused.getCause().getMessage().contains(DEVICE + " is stuck"), refused.getMessage());
            return;
        }
        throw new AssertionError("quiesce succeeded with a device that cannot recover");
    }

    /** Whether the throwable or one of its causes says {@code text}. */
    private static boolean mentions(IThrowableProxy throwable, String text) {
        for (IThrowableProxy t = throwable; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> lines(List<ILoggingEvent> events) {
        return events.stream()
                .map(event -> event.getLevel() + " " + event.getLoggerName() + " " + event.getFormattedMessage()
                        + (event.getThrowableProxy() == null ? "" : " [stack trace]"))
                .toList();
    }
}
