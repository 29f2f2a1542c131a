package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.entity.KernelJournal;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Outcome;
import dev.custody.model.Topology;
import dev.custody.rules.Decision;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An operation id the caller gives makes a retry return the first answer, and the operation is never
 * applied twice: while the first waits for its write, after it, and after a restart of the engine
 * (from the coordinator's snapshot and the journal after it).
 */
class IdempotentRetryTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final DeviceId A = new DeviceId("0000:00:03.0");
    private static final DeviceId B = new DeviceId("0000:00:03.1");
    private static final GroupId G = new GroupId(1);

    private CustodyRuntime runtime;

    @BeforeEach
    void start() {
        runtime = TestKitRuntime.start("""
                        custody.coordinator-snapshot-every = 3
                        """);
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

    private EngineAdmin engine(String instance) {
        return EngineAdmin.start(runtime, instance, groupOfTwo(), TIMEOUT)
                .toCompletableFuture()
                .join();
    }

    private static Decision decide(EngineAdmin engine, Command<?> command, String operationId) {
        return engine.decide(command, operationId).toCompletableFuture().join();
    }

    private static int nextFile(EngineAdmin engine) {
        return engine.state().toCompletableFuture().join().nextFile();
    }

    @Test
    void aRetryGetsTheFirstAnswerAndChangesNothingAgain() {
        EngineAdmin vm1 = engine("retry").as("vm1");
        Decision first = decide(vm1, new Command.ContainerOpen("c"), "open-1");
        assertTrue(first.outcome().isOk());
        int files = nextFile(vm1);
        Decision again = decide(vm1, new Command.ContainerOpen("c"), "open-1");
        assertEquals(first.outcome(), again.outcome(), "the same fd, not a second container");
        assertEquals(List.of(), again.events(), "the retry changed nothing");
        assertEquals(files, nextFile(vm1));

        Decision vm2 = decide(vm1.as("vm2"), new Command.ContainerOpen("c"), "open-1");
        assertNotEquals(first.outcome(), vm2.outcome(), "another caller's id is its own");
        vm1.stop().toCompletableFuture().join();
    }

    @Test
    void aRefusalIsRepeatedEvenWhenTheCallWouldNowSucceed() {
        EngineAdmin engine = engine("refusal");
        Decision refused = decide(engine, new Command.GroupOpen(G, "g"), "open-group");
        assertEquals("ENOENT", refused.outcome().resultName(), "no VFIO device in the group yet");
        for (DeviceId device : List.of(A, B)) {
            assertTrue(decide(engine, new Command.DriverBind(device, "vfio-pci"), "bind-" + device.name())
                    .outcome()
                    .isOk());
        }
        assertEquals(
                refused.outcome(),
                decide(engine, new Command.GroupOpen(G, "g"), "open-group").outcome());
        assertTrue(decide(engine, new Command.GroupOpen(G, "g"), "open-group-again")
                .outcome()
                .isOk());
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void theFirstAnswerSurvivesARestart() {
        EngineAdmin engine = engine("restart");
        Decision container = decide(engine, new Command.ContainerOpen("c"), "c-1");
        for (int n = 0; n < 8; n++) { // past the coordinator's snapshot, every 3 records
            decide(engine, new Command.DriverOverride(A, Optional.of(n % 2 == 0 ? "vfio-pci" : "e1000e")), "o-" + n);
        }
        Decision iommufd = decide(engine, new Command.IommufdOpen("i"), "i-1"); // after the last snapshot
        int files = nextFile(engine);
        engine.stop().toCompletableFuture().join();

        EngineAdmin again = engine("restart");
        assertEquals(
                container.outcome(),
                decide(again, new Command.ContainerOpen("c"), "c-1").outcome());
        assertEquals(
                iommufd.outcome(),
                decide(again, new Command.IommufdOpen("i"), "i-1").outcome());
        assertEquals(files, nextFile(again), "nothing applied twice");
        again.stop().toCompletableFuture().join();
    }

    @Test
    void retriesWhileTheFirstWaitsForItsWriteShareItsAnswer() {
        EngineAdmin engine = engine("in-flight");
        List<CompletableFuture<Decision>> answers = new ArrayList<>();
        for (int n = 0; n < 40; n++) {
            answers.add(engine.decide(new Command.ContainerOpen("c"), "same").toCompletableFuture());
        }
        Decision first = answers.getFirst().join();
        answers.forEach(answer -> assertEquals(first.outcome(), answer.join().outcome()));
        assertEquals(4, nextFile(engine), "one container: files count from 3");
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void aRefusalForWantOfACapabilityIsJournaledAndCheckedAgainOnRetry() {
        EngineAdmin admin = engine("unauthorized");
        Custody engine = admin.custody();
        DmaOwner owner = ok(engine.claimGroup(G.number(), "driver"));
        DomainRef domain = ok(engine.allocateDomain(A.name(), "driver"));
        RetryKey detach = RetryKey.random();
        Outcome<Void> early = join(engine.retrying(detach).detachGroup(domain, G.number()));
        assertEquals("EPERM", early.resultName(), "the group does not use the domain yet: " + early);

        ok(engine.attachGroup(domain, G.number()));
        Outcome<Void> retried = join(engine.retrying(detach).detachGroup(domain, G.number()));
        assertTrue(retried.isOk(), "the retry is checked again, not given the refusal back: " + retried);
        ok(engine.releaseGroup(owner, G.number()));
        admin.quiesce().toCompletableFuture().join();

        List<KernelJournal.Answered> unauthorized =
                PersistenceTestKit.create(runtime.system()).persistedInStorage("unauthorized|kernel").stream()
                        .filter(KernelJournal.Answered.class::isInstance)
                        .map(KernelJournal.Answered.class::cast)
                        .filter(KernelJournal.Answered::unauthorized)
                        .toList();
        assertEquals(1, unauthorized.size(), "the refusal is in the journal, once: " + unauthorized);
        assertEquals("EPERM", unauthorized.getFirst().answer().result());
        assertEquals("iommu.detach_group", unauthorized.getFirst().command().operation());
        admin.stop().toCompletableFuture().join();
    }

    private static <T> T ok(java.util.concurrent.CompletionStage<Outcome<T>> stage) {
        Outcome<T> outcome = join(stage);
        assertTrue(outcome.isOk(), outcome.toString());
        return ((Outcome.Ok<T>) outcome).value();
    }

    private static <T> Outcome<T> join(java.util.concurrent.CompletionStage<Outcome<T>> stage) {
        return stage.toCompletableFuture().join();
    }

    @Test
    void anIdGivenToAnotherCommandIsRefused() {
        EngineAdmin engine = engine("reused");
        decide(engine, new Command.ContainerOpen("c"), "x");
        CompletionException refused =
                assertThrows(CompletionException.class, () -> decide(engine, new Command.IommufdOpen("i"), "x"));
        assertTrue(refused.getCause().getMessage().contains("was given to another command"), refused.toString());
        engine.stop().toCompletableFuture().join();
    }
}
