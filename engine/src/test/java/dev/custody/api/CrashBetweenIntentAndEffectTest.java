package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.custody.entity.KernelJournal;
import dev.custody.entity.Stamped;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Topology;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A crash between the intent and its effect: the coordinator has persisted a bind (the device's
 * half is durable too) but the group's write keeps failing when the engine dies. The caller was told
 * the decision as soon as the coordinator's record of it was durable; the restarted engine completes
 * the bind from that record, so the result is "done", never half.
 */
class CrashBetweenIntentAndEffectTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
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

    @Test
    void anInterruptedBindIsCompletedOnRecovery() {
        String coordinator = "crash|kernel";
        String device = "crash|device|" + A.name();
        String group = "crash|group|1";
        EngineAdmin engine = EngineAdmin.start(runtime, "crash", groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        engine.quiesce().toCompletableFuture().join(); // the boot is applied everywhere, and recorded so
        journal.expectNextPersistedClass(coordinator, KernelJournal.Header.class);
        journal.expectNextPersistedClass(coordinator, KernelJournal.Started.class);
        journal.expectNextPersistedClass(coordinator, KernelJournal.Decided.class);
        journal.expectNextPersistedClass(coordinator, KernelJournal.AppliedThrough.class);
        journal.expectNextPersistedClass(device, Stamped.class); // booted: A joined its group

        journal.failNextNPersisted(group, Integer.MAX_VALUE); // the group's journal write keeps failing
        Decision answered = engine.decide(new Command.DriverBind(A, "e1000e"))
                .toCompletableFuture()
                .join();
        assertTrue(answered.outcome().isOk(), "answered once the coordinator's record is durable");
        KernelJournal.Decided intent = journal.expectNextPersistedClass(coordinator, KernelJournal.Decided.class);
        Stamped devicesHalf = journal.expectNextPersistedClass(device, Stamped.class);
        assertEquals(intent.seq(), devicesHalf.seq());
        Throwable notQuiet = assertThrows(
                        CompletionException.class,
                        () -> engine.quiesce().toCompletableFuture().join())
                .getCause();
        assertTrue(notQuiet.getMessage().contains("group 1 cannot write"), notQuiet.getMessage());

        engine.halt().toCompletableFuture().join(); // the crash
        journal.resetPolicy();

        EngineAdmin recovered = EngineAdmin.start(runtime, "crash", groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        recovered.quiesce().toCompletableFuture().join(); // the open intent has been driven to its end
        KernelState state = recovered.state().toCompletableFuture().join();
        GroupState g = state.groups().get(G);
        assertEquals(Optional.of("e1000e"), state.device(A).driver());
        assertEquals(1, g.ownerCnt(), "the bind is done, not half-done");
        EngineRecoveryTest.assertEntitiesMatch(recovered, state);
        assertTrue(
                journal.persistedInStorage(group).stream()
                        .anyMatch(e -> e instanceof Stamped s && s.seq() == intent.seq()),
                "the group persisted its half of the interrupted decision");
    }

    /**
     * One failed write on the group, then two binds that both touch it: the second must not be
     * applied before the first (or the first would later look like a repeat and be dropped), and
     * once the engine is quiet the group has really persisted both claims.
     */
    @Test
    void aFailedWriteNeverLetsALaterDecisionOvertakeAnEarlierOne() {
        EngineAdmin engine = EngineAdmin.start(runtime, "reorder", groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
        journal.failNextPersisted("reorder|group|1");
        CompletableFuture<Decision> first =
                engine.decide(new Command.DriverBind(A, "e1000e")).toCompletableFuture();
        CompletableFuture<Decision> second =
                engine.decide(new Command.DriverBind(B, "e1000e")).toCompletableFuture();
        assertTrue(first.join().outcome().isOk());
        assertTrue(second.join().outcome().isOk());
        engine.quiesce().toCompletableFuture().join();
        KernelState state = engine.state().toCompletableFuture().join();
        assertEquals(2, state.groups().get(G).ownerCnt());
        EngineRecoveryTest.assertEntitiesMatch(engine, state);
        engine.stop().toCompletableFuture().join();
    }
}
