package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.custody.entity.EntityId;
import dev.custody.entity.EntityRecovered;
import dev.custody.entity.Settled;
import dev.custody.entity.StuckEntity;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Topology;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An entity whose journal cannot be read (every read of it fails) is stuck, said promptly and by name,
 * and left alone: not restarted forever in silence, not written to, and not in the way of answers.
 * The answers here come within {@link #PROMPTLY} seconds, far below the asks' timeout, so none of them
 * can be a timeout.
 */
class UnreadableEntityJournalTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long PROMPTLY = 10;
    private static final String INSTANCE = "unreadable";
    private static final DeviceId A = new DeviceId("0000:00:03.0");
    private static final DeviceId B = new DeviceId("0000:00:03.1");
    private static final GroupId G = new GroupId(1);
    private static final String GROUP = EntityId.of(G).persistenceId(INSTANCE);

    private CustodyRuntime runtime;
    private PersistenceTestKit journal;

    /** A runtime on the test kit's journal, with {@code settings} on top. */
    private void start(String settings) {
        Config testJournal = ConfigFactory.parseString(settings)
                .withFallback(PersistenceTestKitPlugin.config())
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
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void anEntityWhoseJournalCannotBeReadIsReportedStuckAndAnswersGoOn() {
        start("");
        EngineAdmin first = EngineAdmin.start(runtime, INSTANCE, groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        first.quiesce().toCompletableFuture().join();
        first.halt().toCompletableFuture().join();
        List<Object> before = journal.persistedInStorage(GROUP);
        journal.failNextNReads(GROUP, Integer.MAX_VALUE);

        EngineAdmin engine = EngineAdmin.start(runtime, INSTANCE, groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        assertTrue(
                promptly(engine.execute(new Command.DriverBind(A, "e1000e")), "the bind's answer")
                        .isOk(),
                "the decision is durable in the coordinator's journal: answered");

        String notQuiet = failure(engine.quiesce(), "quiesce to name the group that cannot recover");
        assertTrue(notQuiet.contains("entity " + GROUP + " is stuck"), notQuiet);
        assertTrue(notQuiet.contains("3 failed recoveries in a row"), notQuiet);

        List<StuckEntity> stuck = promptly(engine.stuckEntities(), "the list of stuck entities");
        assertEquals(
                List.of(GROUP), stuck.stream().map(StuckEntity::persistenceId).toList());
        assertTrue(!stuck.getFirst().reason().isEmpty(), stuck.toString());

        String inspect = failure(engine.inspect(EntityId.of(G)), "an inspection of the stuck group to fail");
        assertTrue(inspect.contains(GROUP + " is stuck"), inspect);

        assertTrue(
                promptly(engine.execute(new Command.DriverUnbind(A)), "the unbind's answer")
                        .isOk(),
                "answers go on while the group is stuck");
        assertEquals(before, journal.persistedInStorage(GROUP), "nothing is written to the stuck group's journal");
        promptly(engine.halt(), "the halt");
    }

    /**
     * What a start waits for: settled names the stuck group instead of waiting for it (or failing, as
     * quiesce does), once the group is stuck, and by then the device the same decision concerns has
     * written its part to its own journal. A quiet engine is settled with nothing stuck, at the decision
     * quiesce answers with.
     */
    @Test
    void settleNamesTheStuckGroupOnceEveryOtherEntityHasWrittenEveryDecision() {
        start("");
        EngineAdmin first = EngineAdmin.start(runtime, INSTANCE, groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        long quiet = promptly(first.quiesce(), "the first engine to become quiet");
        assertEquals(new Settled(quiet, List.of()), promptly(first.settle(), "the quiet engine to be settled"));
        first.halt().toCompletableFuture().join();
        String device = EntityId.of(A).persistenceId(INSTANCE);
        int deviceRows = journal.persistedInStorage(device).size();
        journal.failNextNReads(GROUP, Integer.MAX_VALUE);

        EngineAdmin engine = EngineAdmin.start(runtime, INSTANCE, groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        assertTrue(promptly(engine.execute(new Command.DriverBind(A, "e1000e")), "the bind's answer")
                .isOk());
        // asked at once, while the group's recoveries are still failing: it waits until the group is stuck
        Settled settled = promptly(engine.settle(), "the engine to be settled with the group stuck");
        assertEquals(
                List.of(GROUP),
                settled.stuck().stream().map(StuckEntity::persistenceId).toList());
        assertTrue(!settled.quiet());
        assertTrue(settled.lastSeq() > quiet, "the bind is a decision after the first engine's: " + settled);
        assertTrue(
                journal.persistedInStorage(device).size() > deviceRows,
                "the device wrote its part of the bind before the engine was settled");
        String notQuiet = failure(engine.quiesce(), "quiesce to name the group that cannot recover");
        assertTrue(notQuiet.contains("entity " + GROUP + " is stuck"), notQuiet);
        promptly(engine.halt(), "the halt");
    }

    /**
     * The parts of decisions a stuck entity cannot take wait in memory, bounded by the coordinator's
     * hold (10,000 decisions behind): past it, commands get an error naming the stuck entity at once
     * rather than waiting in the stash for an entity that will not catch up.
     */
    @Test
    void pastTheHoldCommandsAreRefusedNamingTheStuckEntity() {
        start("");
        EngineAdmin first = EngineAdmin.start(runtime, INSTANCE, groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        first.quiesce().toCompletableFuture().join();
        first.halt().toCompletableFuture().join();
        journal.failNextNReads(GROUP, Integer.MAX_VALUE);
        EngineAdmin engine = EngineAdmin.start(runtime, INSTANCE, groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        Optional<Throwable> refused = Optional.empty();
        int answered = 0;
        while (refused.isEmpty() && answered < 30_000) { // a bind and an unbind each give the group a part
            Command<?> next = answered % 2 == 0 ? new Command.DriverBind(A, "e1000e") : new Command.DriverUnbind(A);
            try {
                engine.execute(next).toCompletableFuture().get(PROMPTLY, TimeUnit.SECONDS);
                answered++;
            } catch (ExecutionException e) {
                refused = Optional.of(e.getCause());
            } catch (TimeoutException e) {
                throw new AssertionError("waited " + PROMPTLY + " s for the answer to command " + answered, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        String message = refused.map(Throwable::getMessage)
                .orElseThrow(() -> new AssertionError("30,000 commands answered with a stuck group"));
        assertTrue(answered >= 10_000, answered + " answered before the hold");
        assertTrue(message.contains("takes no command while"), message);
        assertTrue(message.contains("entity " + GROUP + " is stuck"), message);
        promptly(engine.halt(), "the halt");
    }

    /**
     * A probe comes after custody.stuck-probe-after (short here): once the journal reads again, the
     * stuck group recovers, says so, writes the decisions that waited for it, and the engine is quiet.
     */
    @Test
    void aStuckEntityWhoseJournalReadsAgainRecoversAtItsProbe() {
        start("custody.stuck-probe-after = 300ms");
        EngineAdmin first = EngineAdmin.start(runtime, INSTANCE, groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        first.quiesce().toCompletableFuture().join();
        first.halt().toCompletableFuture().join();
        journal.failNextNReads(GROUP, Integer.MAX_VALUE);
        CompletableFuture<StuckEntity> stuck = published(StuckEntity.class);
        CompletableFuture<EntityRecovered> recovered = published(EntityRecovered.class);

        EngineAdmin engine = EngineAdmin.start(runtime, INSTANCE, groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        assertTrue(promptly(engine.execute(new Command.DriverBind(A, "e1000e")), "the bind's answer")
                .isOk());
        assertEquals(GROUP, promptly(stuck, "the group to be reported stuck").persistenceId());

        journal.resetPolicy(); // the journal reads again
        assertEquals(
                GROUP, promptly(recovered, "the probe to recover the group").persistenceId());
        long quiet = promptly(engine.quiesce(), "the engine to become quiet after the recovery");
        assertEquals(List.of(), promptly(engine.stuckEntities(), "the list of stuck entities"));
        assertEquals(
                quiet,
                promptly(engine.inspect(EntityId.of(G)), "the group's state").lastSeq());
        EngineRecoveryTest.assertEntitiesMatch(engine, promptly(engine.state(), "the engine's state"));
        promptly(engine.stop(), "a clean stop");
    }

    /** The first event of this type on the runtime's event stream. */
    private <T> CompletableFuture<T> published(Class<T> type) {
        CompletableFuture<T> first = new CompletableFuture<>();
        ActorRef<T> listener = runtime.actorSystem()
                .systemActorOf(
                        Behaviors.receive(type)
                                .onMessage(type, event -> {
                                    first.complete(event);
                                    return Behaviors.same();
                                })
                                .build(),
                        "first-" + type.getSimpleName(),
                        Props.empty());
        runtime.actorSystem().eventStream().tell(new EventStream.Subscribe<>(type, listener));
        return first;
    }

    private static <T> T promptly(java.util.concurrent.CompletionStage<T> stage, String what) {
        try {
            return stage.toCompletableFuture().get(PROMPTLY, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("waited " + PROMPTLY + " s for " + what + " in vain", e);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The message the stage failed with, waiting at most {@link #PROMPTLY} seconds for it. */
    private static String failure(java.util.concurrent.CompletionStage<?> stage, String waitedFor) {
        CompletableFuture<?> future = stage.toCompletableFuture();
        try {
            Object value = future.get(PROMPTLY, TimeUnit.SECONDS);
            throw new AssertionError("waited for " + waitedFor + ", got " + value);
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new AssertionError("waited " + PROMPTLY + " s for " + waitedFor + " in vain", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
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
}
