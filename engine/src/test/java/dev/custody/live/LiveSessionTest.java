package dev.custody.live;

import static dev.custody.live.Q35LiveHost.E1000;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.model.Command;
import dev.custody.model.state.KernelState;
import dev.custody.topology.sysfs.LiveSysfsFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live session on a sysfs tree standing in for the host: what changed while the engine was down is
 * reconciled at start, what changes behind its back afterwards is followed, and the engine's own call
 * coming back from the host is not followed a second time.
 */
class LiveSessionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** How long a change on the host may take to reach the model here: rescans every 50 ms. */
    private static final Duration FOLLOWS_WITHIN = Duration.ofSeconds(10);

    @TempDir
    Path root;

    private CustodyRuntime runtime;
    private Q35LiveHost host;
    private EngineAdmin engine;
    private LiveSession session;
    private LiveHost live;
    private final String instance = "session-" + System.nanoTime();
    /** The fake kernel writes what it is asked to do into the tree, as the real one would. */
    private final FakeHost kernel = new FakeHost();

    @BeforeEach
    void start() throws Exception {
        runtime = CustodyRuntime.start(CustodyRuntime.inMemoryJournal());
        host = Q35LiveHost.q35(root);
        live = new LiveHost(
                (step, line) -> {
                    writeInTree(line.split(" "));
                    return kernel.perform(step, line);
                },
                AllowList.parse(E1000.name()),
                false,
                LiveSession.resyncFrom(host.sysfs));
        engine = EngineAdmin.start(runtime, instance, host.topology(), TIMEOUT, live)
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (session != null) {
            session.close();
        }
        engine.stop().toCompletableFuture().join();
        runtime.close();
    }

    /** What the kernel would show after the agent's line: an unbind, a bind, a driver_override write. */
    private void writeInTree(String[] words) {
        try {
            switch (words[0]) {
                case "unbind" -> LiveSysfsFixture.unbind(root, words[1]);
                case "bind" -> LiveSysfsFixture.bind(root, words[1], words[2]);
                case "sysfs" -> {
                    Path file = Path.of(words[2]);
                    if (file.getFileName().toString().equals("driver_override")) {
                        LiveSysfsFixture.override(
                                root,
                                file.getParent().getFileName().toString(),
                                words[3].equals("-") ? Optional.empty() : Optional.of(words[3]));
                    }
                }
                default -> {}
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void decided(Command<?> command) {
        var decision = engine.decide(command).toCompletableFuture().join();
        assertTrue(decision.outcome().isOk(), command + ": " + decision.outcome());
    }

    private LiveSession session() {
        return LiveSession.start(
                engine,
                host.sysfs,
                HostWatcher.on(host.sysfs).withoutUevents().rescanEvery(Duration.ofMillis(50)),
                live,
                TIMEOUT);
    }

    private KernelState model() {
        return engine.state().toCompletableFuture().join();
    }

    /** Polls the model until {@code holds}, at most {@link #FOLLOWS_WITHIN}; says what it waited for. */
    private void awaitModel(String what, Predicate<KernelState> holds) throws InterruptedException {
        long deadline = System.nanoTime() + FOLLOWS_WITHIN.toNanos();
        while (!holds.test(model())) {
            assertTrue(System.nanoTime() < deadline, "the model did not follow " + what + " within " + FOLLOWS_WITHIN);
            Thread.onSpinWait();
            Thread.sleep(10); // a polling interval, not a synchronization: the deadline bounds it
        }
    }

    @Test
    void aDriverUnboundWhileTheEngineWasDownIsReconciledAtStart() throws Exception {
        assertEquals(Optional.of("e1000"), model().device(E1000).driver());
        LiveSysfsFixture.unbind(root, E1000.name());
        session = session();
        assertEquals(1, session.reconciled().size(), session.reconciled().toString());
        assertTrue(session.reconciled().getFirst().outcome().isOk());
        assertEquals(Optional.empty(), model().device(E1000).driver());
    }

    @Test
    void filesHeldBeforeARestartAreClosedAtStartBecauseTheirDescriptorsWentWithTheProcess() throws Exception {
        assertTrue(engine.decide(new Command.ContainerOpen("c"))
                .toCompletableFuture()
                .join()
                .outcome()
                .isOk());
        assertTrue(engine.decide(new Command.IommufdOpen("i"))
                .toCompletableFuture()
                .join()
                .outcome()
                .isOk());
        assertEquals(
                2, model().files().values().stream().filter(f -> f.fdOpen()).count());
        session = session(); // the start of a new process on this journal
        assertEquals(2, session.reconciled().size(), session.reconciled().toString());
        assertTrue(session.reconciled().stream().allMatch(d -> d.outcome().isOk()));
        assertEquals(
                0, model().files().values().stream().filter(f -> f.fdOpen()).count(), "the model closed them");
        assertEquals(
                2, kernel.performed.size(), "the two opens were carried out, the closes never: " + kernel.performed);
    }

    /**
     * A new process on the journal: the files it says are open are closed at start, each journaled as a
     * change seen on the host and counted for query-metrics; nothing is carried out for them (the kernel
     * closed them with the process).
     */
    @Test
    void aRestartReportsEachFileTheJournalHeldAsClosedAtStart() throws Exception {
        for (Command<?> open : List.<Command<?>>of(new Command.ContainerOpen("c"), new Command.IommufdOpen("i"))) {
            assertTrue(
                    engine.decide(open).toCompletableFuture().join().outcome().isOk());
        }
        engine.stop().toCompletableFuture().join();
        live = new LiveHost(kernel, AllowList.parse(E1000.name()), false, LiveSession.resyncFrom(host.sysfs));
        engine = EngineAdmin.start(runtime, instance, host.topology(), TIMEOUT, live)
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertEquals(
                2, model().files().values().stream().filter(f -> f.fdOpen()).count(), "as the journal says");

        session = session();
        assertEquals(2, session.closedAtStart().size(), session.closedAtStart().toString());
        assertTrue(
                session.closedAtStart().getFirst().contains("the VFIO container \"c\""),
                session.closedAtStart().toString());
        assertTrue(
                session.closedAtStart().getLast().contains("the iommufd \"i\""),
                session.closedAtStart().toString());
        assertTrue(session.closedAtStart().stream().allMatch(seen -> seen.contains("its descriptor went with it")));
        assertEquals(2, live.closedAtStart(), "counted for query-metrics");
        assertEquals(
                0, model().files().values().stream().filter(f -> f.fdOpen()).count());
        assertEquals(
                2,
                kernel.performed.stream()
                        .filter(line -> line.startsWith("open "))
                        .count(),
                kernel.performed.toString());
        assertTrue(
                kernel.performed.stream().noneMatch(line -> line.startsWith("close ")),
                "the opens were carried out before the restart, the closes never: " + kernel.performed);
    }

    /**
     * A new process on the journal, told (by the server's state log) that a holder's process took the
     * container's descriptor: the container stays open in the model, listed and counted as kept; the
     * iommufd nobody took is closed as before; nothing is carried out for either.
     */
    @Test
    void aRestartKeepsOpenTheFileAHoldersProcessTook() throws Exception {
        dev.custody.model.FileId container = null;
        for (Command<?> open : List.<Command<?>>of(new Command.ContainerOpen("c"), new Command.IommufdOpen("i"))) {
            var decision = engine.decide(open).toCompletableFuture().join();
            assertTrue(decision.outcome().isOk());
            if (container == null) {
                container = model().files().values().stream()
                        .filter(f -> f instanceof dev.custody.model.state.OpenFile.VfioContainer)
                        .findFirst()
                        .orElseThrow()
                        .id();
            }
        }
        engine.stop().toCompletableFuture().join();
        live = new LiveHost(kernel, AllowList.parse(E1000.name()), false, LiveSession.resyncFrom(host.sysfs));
        engine = EngineAdmin.start(runtime, instance, host.topology(), TIMEOUT, live)
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        int performedBefore = kernel.performed.size();

        session = LiveSession.start(
                engine,
                host.sysfs,
                HostWatcher.on(host.sysfs).withoutUevents().rescanEvery(Duration.ofMillis(50)),
                live,
                java.util.Map.of(container, "vm-42"),
                TIMEOUT);
        assertEquals(1, session.keptAtStart().size(), session.keptAtStart().toString());
        assertTrue(
                session.keptAtStart().getFirst().contains("the VFIO container \"c\"")
                        && session.keptAtStart().getFirst().contains("handed to holder vm-42's process"),
                session.keptAtStart().toString());
        assertEquals(1, session.closedAtStart().size(), session.closedAtStart().toString());
        assertTrue(session.closedAtStart().getFirst().contains("the iommufd \"i\""));
        assertEquals(1, live.keptAtStart(), "counted for query-metrics");
        assertEquals(1, live.closedAtStart());
        assertTrue(model().file(container).orElseThrow().fdOpen(), "the container stays open in the model");
        assertEquals(
                performedBefore, kernel.performed.size(), "nothing is carried out for either: " + kernel.performed);
    }

    @Test
    void aBindBehindTheEnginesBackIsFollowed() throws Exception {
        session = session();
        assertEquals(List.of(), session.reconciled(), "the tree and the model agree at start");
        LiveSysfsFixture.unbind(root, E1000.name());
        awaitModel("the unbind of " + E1000, m -> m.device(E1000).driver().isEmpty());
        LiveSysfsFixture.bind(root, E1000.name(), "e1000");
        awaitModel(
                "the bind of e1000 to " + E1000, m -> m.device(E1000).driver().equals(Optional.of("e1000")));
        assertEquals(List.of(), kernel.performed, "what is seen is never carried out");
    }

    @Test
    void aModelLeftBehindTheHostIsBroughtBackByTheNextRescanThoughTheHostDidNotChange() throws Exception {
        session = session();
        // a race left the model without the driver the host still has
        assertTrue(engine.observe(new Command.DriverUnbind(E1000), "a phantom, as a race could leave it")
                .toCompletableFuture()
                .join()
                .outcome()
                .isOk());
        awaitModel(
                "the rescan bringing e1000 back on " + E1000,
                m -> m.device(E1000).driver().equals(Optional.of("e1000")));
        // the model follows before the session notes what it followed: wait for the note too
        long deadline = System.nanoTime() + FOLLOWS_WITHIN.toNanos();
        while (session.followedSinceStart().stream().noneMatch(f -> f.contains("bound to e1000"))) {
            assertTrue(
                    System.nanoTime() < deadline,
                    "the session never noted the change it followed: " + session.followedSinceStart());
            Thread.sleep(10); // a polling interval, not a synchronization: the deadline bounds it
        }
    }

    @Test
    void theEnginesOwnCallIsNotFollowedTwice() throws Exception {
        session = session();
        KernelState before = model();
        HostView beforeUnbind = host.sysfs.read();
        assertTrue(engine.decide(new Command.DriverUnbind(E1000))
                .toCompletableFuture()
                .join()
                .outcome()
                .isOk());
        assertEquals(List.of("unbind " + E1000.name()), kernel.performed);
        // what a watcher that read the host before the model recorded the unbind would hand on
        HostView afterUnbind = host.sysfs.read();
        var late = HostObservations.of(before, afterUnbind, host.sysfs, "seen on the host");
        assertEquals(1, late.size(), "against the model before the unbind, the host shows a change: " + late);
        assertEquals(beforeUnbind.device(E1000).get().driver(), Optional.of("e1000"));
        var answered = engine.observe(late.getFirst()).toCompletableFuture().join();
        assertTrue(answered.outcome().isOk());
        assertEquals(List.of(), answered.events(), "dropped: the model already shows it");
        assertEquals(0, live.drifts(), "nothing the model refused, nothing drifted");
    }

    /**
     * A watcher that read the host after the engine's unbind, whose change reaches the coordinator only after
     * the engine bound the driver again: the host shows the bind by then, so the stale unbind is dropped.
     * Followed, it left the model without the driver the kernel had bound, and the next unbind was refused.
     */
    @Test
    void aChangeSeenBeforeTheEnginesNextCallIsDroppedWhenTheHostNoLongerShowsIt() throws Exception {
        session = session();
        KernelState beforeUnbind = model();
        decided(new Command.DriverUnbind(E1000));
        var late = HostObservations.of(beforeUnbind, host.sysfs.read(), host.sysfs, "seen on the host");
        assertEquals(1, late.size(), "against the model before the unbind, the host shows a change: " + late);
        decided(new Command.DriverBind(E1000, "e1000"));
        assertEquals(Optional.of("e1000"), host.sysfs.device(E1000).driver(), "the fake kernel bound it in the tree");

        var answered = engine.observe(late.getFirst()).toCompletableFuture().join();
        assertEquals(List.of(), answered.events(), "dropped: the host shows e1000 bound again");
        assertEquals(Optional.of("e1000"), model().device(E1000).driver());
        decided(new Command.DriverUnbind(E1000));
        assertEquals(0, live.drifts());
    }

    /** The same for a driver_override the engine wrote twice: the first value, seen late, is not taken back. */
    @Test
    void anOverrideSeenBeforeTheEngineWroteItAgainIsNotTakenBack() throws Exception {
        session = session();
        KernelState before = model();
        decided(new Command.DriverOverride(E1000, Optional.of("no-such-driver")));
        var late = HostObservations.of(before, host.sysfs.read(), host.sysfs, "seen on the host");
        assertEquals(1, late.size(), late.toString());
        decided(new Command.DriverOverride(E1000, Optional.of("vfio-pci")));

        var answered = engine.observe(late.getFirst()).toCompletableFuture().join();
        assertEquals(List.of(), answered.events(), "dropped: the host shows vfio-pci");
        assertEquals(Optional.of("vfio-pci"), model().device(E1000).override());
        assertEquals(0, live.drifts());
    }
}
