package dev.custody.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.api.TestKitRuntime;
import dev.custody.entity.HostPort;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Outcome;
import dev.custody.model.PciDeviceIds;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Live host mode through the engine: an accepted decision is carried out as the catalogue's agent line
 * and answered with the kernel's result; a drift is answered with the kernel's result and changes the
 * model only as far as the kernel acted, also after a restart; the allow-list refuses with EACCES before
 * anything is decided; a dry run carries nothing out; a change seen on the host is followed.
 */
class LiveHostTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final DeviceId A = new DeviceId("0000:00:03.0");
    private static final DeviceId B = new DeviceId("0000:00:03.1");
    private static final DeviceId DISK = new DeviceId("0000:00:1f.2");

    private CustodyRuntime runtime;
    private final FakeHost kernel = new FakeHost();

    @BeforeEach
    void start() {
        runtime = TestKitRuntime.start("");
    }

    @AfterEach
    void stop() {
        runtime.close();
    }

    /** Two NICs (82574L) in group 1, the boot disk (ICH9 AHCI) alone in group 2 with its driver bound. */
    static Topology host() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        for (DeviceId nic : List.of(A, B)) {
            devices.put(
                    nic, device(nic, 1, Optional.empty()).withPciIds(Optional.of(new PciDeviceIds(0x8086, 0x10d3))));
        }
        devices.put(
                DISK, device(DISK, 2, Optional.of("ahci")).withPciIds(Optional.of(new PciDeviceIds(0x8086, 0x2922))));
        return new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
    }

    private static DeviceSpec device(DeviceId id, int group, Optional<String> driver) {
        return new DeviceSpec(
                id, Optional.of("dmar0"), Optional.of(new GroupId(group)), List.of(), false, true, driver);
    }

    /** The host of the engine {@link #live} started last. */
    private LiveHost host;

    private EngineAdmin live(String instance, boolean dryRun, HostPort.Observation... afterDrift) {
        host = new LiveHost(kernel, AllowList.parse("group:1"), dryRun, (state, command) -> List.of(afterDrift));
        return EngineAdmin.start(runtime, instance, host(), TIMEOUT, host)
                .toCompletableFuture()
                .join();
    }

    private static Decision decide(EngineAdmin engine, Command<?> command) {
        return engine.decide(command).toCompletableFuture().join();
    }

    private static Optional<String> driverOf(EngineAdmin engine, DeviceId device) {
        KernelState state = engine.state().toCompletableFuture().join();
        return state.device(device).driver();
    }

    @Test
    void anAcceptedDecisionIsCarriedOutAsTheCataloguesLine() {
        EngineAdmin engine = live("agreed", false);
        Decision bound = decide(engine, new Command.DriverBind(A, "vfio-pci"));
        assertTrue(bound.outcome().isOk(), bound.outcome().toString());
        Decision container = decide(engine, new Command.ContainerOpen("c"));
        assertTrue(container.outcome().isOk());
        assertEquals(
                List.of("bind 0000:00:03.0 vfio-pci 1", "open f" + fileOf(container) + " container"), kernel.performed);
        assertEquals(Optional.of("vfio-pci"), driverOf(engine, A));
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void aRefusalOfTheModelNeverReachesTheKernel() {
        EngineAdmin engine = live("refused", false);
        Decision refused = decide(engine, new Command.GroupOpen(new GroupId(1), "g"));
        assertEquals("ENOENT", refused.outcome().resultName(), "no VFIO driver in the group yet");
        assertEquals(List.of(), kernel.performed);
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void aDriftIsAnsweredWithTheKernelsResultAndChangesNothingTheKernelRefused() {
        kernel.answersNext("EBUSY");
        EngineAdmin engine = live("drift", false);
        Decision drifted = decide(engine, new Command.DriverBind(A, "vfio-pci"));
        assertEquals("EBUSY", drifted.outcome().resultName(), "the kernel's answer, not the model's ok");
        assertEquals(Optional.empty(), driverOf(engine, A), "the kernel refused, so nothing was bound");
        assertEquals(1, host.drifts(), "counted for query-metrics");
        assertEquals(1, host.carriedOut());
        engine.stop().toCompletableFuture().join();

        EngineAdmin again = live("drift", false);
        assertEquals(Optional.empty(), driverOf(again, A), "recovery replays the kernel's refusal, not the model's ok");
        assertTrue(
                decide(again, new Command.DriverBind(A, "vfio-pci")).outcome().isOk());
        again.stop().toCompletableFuture().join();
    }

    @Test
    void aRetryOfADriftedCallGetsTheKernelsAnswerAgain() {
        kernel.answersNext("EBUSY");
        EngineAdmin engine = live("drift-retry", false);
        assertEquals(
                "EBUSY",
                engine.decide(new Command.DriverBind(A, "vfio-pci"), "bind-a")
                        .toCompletableFuture()
                        .join()
                        .outcome()
                        .resultName());
        assertEquals(
                "EBUSY",
                engine.decide(new Command.DriverBind(A, "vfio-pci"), "bind-a")
                        .toCompletableFuture()
                        .join()
                        .outcome()
                        .resultName());
        assertEquals(1, kernel.performed.size(), "a retry is answered from the journal, never carried out again");
        engine.stop().toCompletableFuture().join();
    }

    /**
     * The host's drivers_probe bound a driver by an id table the model does not know (a built-in driver's
     * is in no alias file): both said ok, but with different drivers, which is drift; the caller gets the
     * kernel's driver and the model follows what the host shows before anything else is decided.
     */
    @Test
    void aProbeThatBoundAnotherDriverThanTheModelsIsDriftAndTheModelFollows() {
        kernel.answersNext("ok", Map.of("driver", "e1000e"));
        EngineAdmin engine = live(
                "probe-drift",
                false,
                new HostPort.Observation(new Command.DriverBind(A, "e1000e"), "sysfs: e1000e bound"));
        Decision probed = decide(engine, new Command.DriverProbe(A));
        assertEquals(new Reply.Probed(Optional.of("e1000e")), ((Outcome.Ok<Reply>) probed.outcome()).value());
        assertEquals(1, host.drifts(), "the model's probe bound nothing: no id table of A names e1000e");
        engine.quiesce().toCompletableFuture().join();
        assertEquals(Optional.of("e1000e"), driverOf(engine, A), "what the resync saw");
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void aProbeThatBoundWhatTheModelBoundIsNoDrift() {
        kernel.answersNext("ok", Map.of("driver", "none"));
        EngineAdmin engine = live("probe-agrees", false);
        Decision probed = decide(engine, new Command.DriverProbe(A));
        assertEquals(new Reply.Probed(Optional.empty()), ((Outcome.Ok<Reply>) probed.outcome()).value());
        assertEquals(0, host.drifts());
        assertEquals(List.of("probe 0000:00:03.0"), kernel.performed);
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void afterADriftTheModelFollowsWhatTheHostShows() {
        kernel.answersNext("EBUSY");
        EngineAdmin engine = live(
                "resync", false, new HostPort.Observation(new Command.DriverBind(A, "e1000e"), "sysfs: e1000e bound"));
        decide(engine, new Command.DriverBind(A, "vfio-pci"));
        engine.quiesce().toCompletableFuture().join();
        assertEquals(Optional.of("e1000e"), driverOf(engine, A), "what the resync saw");
        assertEquals(1, kernel.performed.size(), "what is seen is never carried out");
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void aDeviceOutsideTheAllowListIsRefusedWithEaccesBeforeAnythingIsDecided() {
        EngineAdmin engine = live("allow", false);
        Decision unbind = decide(engine, new Command.DriverUnbind(DISK));
        assertEquals("EACCES", unbind.outcome().resultName());
        assertTrue(
                unbind.outcome().explanation().orElse("").contains("device 0000:00:1f.2 outside the allow-list"),
                unbind.outcome().explanation().orElse(""));
        assertEquals(
                "EACCES",
                decide(engine, new Command.GroupOpen(new GroupId(2), "g"))
                        .outcome()
                        .resultName());
        assertEquals(List.of(), kernel.performed, "the boot disk was never touched");
        assertEquals(2, host.refusedOutsideAllowList());
        assertEquals(Optional.of("ahci"), driverOf(engine, DISK));
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void aNewIdIsCarriedOutOnlyWhereEveryDeviceItMayAttachIsAllowed() {
        EngineAdmin engine = live("new-id", false);
        Decision disk = decide(engine, new Command.DriverNewId("vfio-pci", "8086 2922"));
        assertEquals("EACCES", disk.outcome().resultName());
        assertTrue(
                disk.outcome().explanation().orElse("").contains("would attach 0000:00:1f.2, outside the allow-list"),
                disk.outcome().explanation().orElse(""));
        Decision subsystem = decide(engine, new Command.DriverNewId("vfio-pci", "8086 10d3 1af4 1100"));
        assertEquals("EACCES", subsystem.outcome().resultName());
        assertEquals(List.of(), kernel.performed, "nothing refused reaches the host");

        Decision nics = decide(engine, new Command.DriverNewId("vfio-pci", "8086  10d3"));
        assertTrue(nics.outcome().isOk(), nics.outcome().toString());
        assertEquals(Optional.of("vfio-pci"), driverOf(engine, A), "the model attached both NICs, as the kernel does");
        assertEquals(Optional.of("vfio-pci"), driverOf(engine, B));
        Decision removed = decide(engine, new Command.DriverRemoveId("vfio-pci", "8086 10d3"));
        assertTrue(removed.outcome().isOk(), removed.outcome().toString());
        assertEquals(
                List.of("id-write vfio-pci new_id 8086 10d3", "id-write vfio-pci remove_id 8086 10d3"),
                kernel.performed);
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void aDryRunDecidesAndJournalsButCarriesNothingOut() {
        EngineAdmin engine = live("dry", true);
        assertTrue(
                decide(engine, new Command.DriverBind(A, "vfio-pci")).outcome().isOk());
        assertEquals(List.of(), kernel.performed);
        assertEquals(Optional.of("vfio-pci"), driverOf(engine, A), "the model decided it");
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void aChangeSeenOnTheHostIsFollowedAndNeverCarriedOut() {
        EngineAdmin engine = live("seen", false);
        decide(engine, new Command.DriverBind(A, "vfio-pci"));
        Decision seen = engine.observe(new Command.DriverUnbind(A), "uevent: unbind of 0000:00:03.0 from vfio-pci")
                .toCompletableFuture()
                .join();
        assertTrue(seen.outcome().isOk(), seen.outcome().toString());
        assertEquals(Optional.empty(), driverOf(engine, A));
        assertEquals(List.of("bind 0000:00:03.0 vfio-pci 1"), kernel.performed);
        engine.stop().toCompletableFuture().join();
    }

    @Test
    void aRestartOnTheSameHardwareStartsWhateverItsDriversAreNow() {
        EngineAdmin engine = live("restart", false);
        decide(engine, new Command.DriverBind(A, "vfio-pci"));
        engine.stop().toCompletableFuture().join();

        SequencedMap<DeviceId, DeviceSpec> now = new LinkedHashMap<>(host().devices());
        DeviceSpec reboundA = device(A, 1, Optional.of("e1000e")); // rebound while the engine was down,
        now.put(
                A,
                new DeviceSpec( // and a module loaded since whose id table matches it: software, not hardware
                        A, reboundA.iommu(), reboundA.group(), List.of("e1000e"), false, true, reboundA.bootDriver()));
        Topology rebound = new Topology(host().iommus(), host().drivers(), now);
        LiveHost host = new LiveHost(kernel, AllowList.parse("group:1"), false, (state, command) -> List.of());
        EngineAdmin again = EngineAdmin.start(runtime, "restart", rebound, TIMEOUT, host)
                .toCompletableFuture()
                .join();
        assertEquals(Optional.of("vfio-pci"), driverOf(again, A), "the journal's state, until reconciled");
        again.stop().toCompletableFuture().join();

        now.put(new DeviceId("0000:00:04.0"), device(new DeviceId("0000:00:04.0"), 3, Optional.empty()));
        Topology grown = new Topology(host().iommus(), host().drivers(), now);
        var refused =
                EngineAdmin.start(runtime, "restart", grown, TIMEOUT, host).toCompletableFuture();
        var failure = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class, refused::join);
        assertTrue(failure.getMessage().contains("another machine (its PCI devices differ)"), failure.getMessage());
    }

    private static int fileOf(Decision created) {
        var reply = (dev.custody.model.Reply.Created) ((dev.custody.model.Outcome.Ok<?>) created.outcome()).value();
        return ((dev.custody.model.Handle.File) reply.handle()).id().number();
    }
}
