package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.Config;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.entity.StuckEntity;
import dev.custody.model.Command;
import dev.custody.model.Outcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A device whose journal holds a torn record (issue 13: a stuck engine is a violation with a clear
 * message, never a hang). The engine starts (its own journal is whole), answers on, and the device,
 * sent the next decision, fails its recovery a few times and is then reported stuck: quiesce fails at
 * once naming its persistence id, the torn row and the journal's reason, the engine lists it, the log
 * says it, and not a row of the device's journal changes.
 */
class StuckEntityTest {
    private static final String INSTANCE = "stuck";
    private static final String DEVICE = INSTANCE + "|device|" + GoldenSamples.NIC.name();
    /** Far above the second or so a stuck entity takes to be found out; far below the asks' timeout. */
    private static final Duration BOUND = Duration.ofSeconds(30);

    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path data;

    private Config journal;

    @BeforeEach
    void writeAJournal() {
        journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = EngineAdmin.start(runtime, INSTANCE, GoldenSamples.topology(), ASK_TIMEOUT)
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

    @Test
    void aDeviceWithATornRecordIsReportedStuckAndItsJournalIsLeftAlone() throws Exception {
        long torn = TornRows.lastRow(journal, DEVICE);
        TornRows.tear(journal, DEVICE, torn);
        List<String> before = TornRows.rows(journal, DEVICE);

        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        root.addAppender(log);
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = EngineAdmin.start(runtime, INSTANCE, GoldenSamples.topology(), ASK_TIMEOUT)
                    .toCompletableFuture()
                    .join();
            // the engine's own journal is whole: it answers, and the device is sent its part afterwards
            assertTrue(isOk(engine.execute(new Command.DriverUnbind(GoldenSamples.NIC))), "the unbind is answered");

            String refusal = assertTimeoutPreemptively(
                    BOUND,
                    () -> quiesceRefusal(engine),
                    "waited for quiesce to report the device whose journal cannot be read");
            System.out.println("quiesce with a stuck device: " + refusal);
            assertTrue(refusal.contains(DEVICE + " is stuck"), refusal);
            assertTrue(
                    refusal.contains("the row with sequence number " + torn + " of persistence id " + DEVICE), refusal);
            assertTrue(refusal.contains("cannot be read"), refusal);

            List<StuckEntity> stuck =
                    engine.stuckEntities().toCompletableFuture().join();
            assertEquals(
                    List.of(DEVICE),
                    stuck.stream().map(StuckEntity::persistenceId).toList());
            assertTrue(stuck.getFirst().failedRecoveries() >= 3, stuck.toString());
            assertTrue(stuck.getFirst().reason().contains("sequence number " + torn), stuck.toString());

            // answers go on: the engine's journal is the source of truth, the device's part waits
            assertTrue(
                    isOk(engine.execute(new Command.DriverBind(GoldenSamples.NIC, "vfio-pci"))),
                    "a decision about the stuck device is answered");
            String again = assertTimeoutPreemptively(
                    BOUND, () -> quiesceRefusal(engine), "waited for a second quiesce to be refused at once");
            assertTrue(again.contains(DEVICE + " is stuck"), again);
            engine.halt().toCompletableFuture().join();
        } finally {
            root.detachAppender(log);
        }
        assertTrue(
                log.list.stream()
                        .map(ILoggingEvent::getFormattedMessage)
                        .anyMatch(line ->
                                line.contains(DEVICE + " is stuck") && line.contains("sequence number " + torn)),
                "the log says which entity is stuck and why");
        assertEquals(before, TornRows.rows(journal, DEVICE), "nothing is written to the journal of a stuck entity");
    }

    private static boolean isOk(java.util.concurrent.CompletionStage<? extends Outcome<?>> answer) {
        return answer.toCompletableFuture().join().isOk();
    }

    /** Quiesce, which must fail: its message. */
    private static String quiesceRefusal(EngineAdmin engine) {
        try {
            long quiet = engine.quiesce().toCompletableFuture().join();
            return fail("quiesce succeeded at decision " + quiet + " with a device that cannot recover");
        } catch (CompletionException refused) {
            return String.valueOf(refused.getCause().getMessage());
        }
    }
}
