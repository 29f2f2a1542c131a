package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.custody.entity.KernelJournal;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.WriteEvents;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a caller sees when the journal fails writes: an error that says what could not be written,
 * well before its ask timeout (the journal that never started again left every caller waiting for
 * its timeout), and an engine that goes on and completes what is durable. An entity's failing journal
 * is not the caller's concern (the decision is durable in the coordinator's journal): it is told to
 * whoever waits for the engine to become quiet.
 */
class JournalWriteFailureTest {
    /** Long, so that an answer within {@link #PROMPTLY} cannot be the ask timing out. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final long PROMPTLY = 10;
    private static final DeviceId A = new DeviceId("0000:00:03.0");
    private static final DeviceId B = new DeviceId("0000:00:03.1");
    private static final GroupId G = new GroupId(1);

    private CustodyRuntime runtime;
    private PersistenceTestKit journal;

    @BeforeEach
    void start() {
        Config testJournal = PersistenceTestKitPlugin.config()
                .withFallback(PersistenceTestKitSnapshotPlugin.config())
                .withFallback(ConfigFactory.parseString("""
                        pekko.persistence.testkit.events.serialize = off
                        pekko.persistence.testkit.snapshots.serialize = off
                        """));
        runtime = CustodyRuntime.start(testJournal);
        journal = PersistenceTestKit.create(runtime.system());
    }

    @AfterEach
    void stop() {
        runtime.close();
    }

    private static Topology groupOfTwo() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        for (DeviceId id : List.of(A, B)) {
            devices.put(
                    id,
                    new DeviceSpec(id, Optional.of("dmar0"), Optional.of(G), List.of(), false, true, Optional.empty()));
        }
        return new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
    }

    /** The failure the stage completed with, waiting at most {@link #PROMPTLY} seconds. */
    private static Throwable failureOf(CompletableFuture<?> stage) {
        try {
            stage.get(PROMPTLY, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("no prompt answer: " + e, e);
        }
        throw new AssertionError("completed normally: " + stage.join());
    }

    @Test
    void anEntityThatCannotWriteLeavesTheAnswerAloneAndTheDecisionCompletesLater() {
        EngineAdmin engine = EngineAdmin.start(runtime, "stuck", groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        journal.failNextNPersisted("stuck|group|1", Integer.MAX_VALUE);
        Decision bind = engine.decide(new Command.DriverBind(A, "e1000e"))
                .toCompletableFuture()
                .orTimeout(PROMPTLY, TimeUnit.SECONDS)
                .join();
        assertTrue(bind.outcome().isOk(), "the decision is durable in the coordinator's journal");

        Throwable notQuiet = failureOf(engine.quiesce().toCompletableFuture());
        assertTrue(
                notQuiet.getMessage().contains("cannot become quiet")
                        && notQuiet.getMessage().contains("group 1 cannot write to the journal"),
                notQuiet.getMessage());

        journal.resetPolicy(); // the journal takes writes again: the durable decision is completed
        engine.quiesce().toCompletableFuture().join();
        KernelState state = engine.state().toCompletableFuture().join();
        assertEquals(Optional.of("e1000e"), state.device(A).driver());
        assertEquals(1, state.groups().get(G).ownerCnt(), "done, not half-done");
        EngineRecoveryTest.assertEntitiesMatch(engine, state);
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void aFailedCoordinatorWriteGivesItsCallerAPromptErrorAndTheEngineGoesOn() {
        EngineAdmin engine = EngineAdmin.start(runtime, "restarts", groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        engine.quiesce().toCompletableFuture().join();
        journal.failNextPersisted("restarts|kernel");
        Throwable refused =
                failureOf(engine.decide(new Command.DriverBind(A, "e1000e")).toCompletableFuture());
        assertTrue(refused.getMessage().contains("could not write to its journal"), refused.getMessage());

        Decision next = engine.decide(new Command.DriverBind(B, "e1000e"))
                .toCompletableFuture()
                .join();
        assertTrue(next.outcome().isOk(), "the coordinator restarted from its journal and decides again");
        engine.quiesce().toCompletableFuture().join();
        KernelState state = engine.state().toCompletableFuture().join();
        assertEquals(Optional.empty(), state.device(A).driver(), "the refused bind never happened");
        assertEquals(Optional.of("e1000e"), state.device(B).driver());
        EngineRecoveryTest.assertEntitiesMatch(engine, state);
        engine.stop().toCompletableFuture().join();
    }

    /** A failed write of how far the entities are costs no caller anything: it is written after the restart. */
    @Test
    void aProgressRecordThatCouldNotBeWrittenIsWrittenAfterTheRestart() {
        EngineAdmin engine = EngineAdmin.start(runtime, "mark", groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        engine.quiesce().toCompletableFuture().join();
        journal.failNextNOpsCond(
                (persistenceId, operation) -> persistenceId.equals("mark|kernel")
                        && operation instanceof WriteEvents write
                        && write.getBatch().stream().anyMatch(e -> e instanceof KernelJournal.AppliedThrough),
                1);
        Decision bind = engine.decide(new Command.DriverBind(A, "e1000e"))
                .toCompletableFuture()
                .orTimeout(PROMPTLY, TimeUnit.SECONDS)
                .join();
        assertTrue(bind.outcome().isOk());
        try {
            engine.quiesce().toCompletableFuture().join();
        } catch (CompletionException refused) { // its write was the one that failed
            assertTrue(refused.getCause().getMessage().contains("could not write"), refused.toString());
            engine.quiesce().toCompletableFuture().join();
        }
        assertTrue(
                journal.persistedInStorage("mark|kernel").stream()
                        .anyMatch(e -> e instanceof KernelJournal.AppliedThrough applied && applied.seq() == 2),
                "the progress was written after the restart");
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void anUnwrittenBootFailsTheStart() {
        journal.failNextPersisted("boot|kernel");
        Throwable refused = failureOf(
                EngineAdmin.start(runtime, "boot", groupOfTwo(), TIMEOUT).toCompletableFuture());
        Throwable cause = refused instanceof CompletionException c ? c.getCause() : refused;
        assertTrue(cause.getMessage().contains("could not write its boot"), cause.getMessage());
    }
}
