package dev.custody.live;

import static dev.custody.live.Q35LiveHost.AUDIO;
import static dev.custody.live.Q35LiveHost.E1000;
import static dev.custody.live.Q35LiveHost.E1000_ADDRESS;
import static dev.custody.live.Q35LiveHost.VIRTIO_NET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.live.ExternalChange.DeviceRemoved;
import dev.custody.live.ExternalChange.DriverBound;
import dev.custody.live.ExternalChange.DriverUnbound;
import dev.custody.live.ExternalChange.OverrideChanged;
import dev.custody.model.Command;
import dev.custody.model.state.KernelState;
import dev.custody.nativeio.host.UeventAction;
import dev.custody.topology.host.HostInputException;
import dev.custody.topology.sysfs.LiveSysfsFixture;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher on a temporary sysfs tree. Each test waits on the listener's queue with a timeout
 * that names what it waited for; none sleeps to let the watcher get on.
 */
class HostWatcherTest {

    /** Far longer than a rescan (500 ms) or a uevent's handling should take on a loaded machine. */
    private static final long WAIT_SECONDS = 20;
    /** A rescan so rare that only a uevent can explain a report. */
    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    Path sys;

    private Q35LiveHost host;
    private final LinkedBlockingQueue<Report> reports = new LinkedBlockingQueue<>();
    private HostWatcher watcher;

    record Report(List<ExternalChange> changes, HostView view) {}

    @BeforeEach
    void writeTheTree() throws IOException {
        host = Q35LiveHost.q35(sys);
    }

    @AfterEach
    void stopTheWatcher() {
        if (watcher != null) {
            assertTimeoutPreemptively(Duration.ofSeconds(WAIT_SECONDS), watcher::close, "closing the watcher");
        }
    }

    private Report next(String waitingFor) throws InterruptedException {
        Report report = reports.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(report, "waited " + WAIT_SECONDS + " s for the watcher to report " + waitingFor);
        return report;
    }

    private void record(List<ExternalChange> changes, HostView view) {
        reports.add(new Report(changes, view));
    }

    @Test
    void anUnbindBehindItsBackIsSeenByTheRescan() throws Exception {
        watcher = HostWatcher.on(host.sysfs).withoutUevents().start(this::record);
        assertFalse(watcher.readsUevents());
        LiveSysfsFixture.unbind(sys, E1000_ADDRESS);
        Report report = next("the unbind of " + E1000);
        assertEquals(List.of(new DriverUnbound(E1000, "e1000")), report.changes());
        assertTrue(report.view().complete(), "a rescan reads everything");
    }

    @Test
    void anOverrideWriteIsSeenByTheRescan() throws Exception {
        watcher = HostWatcher.on(host.sysfs).withoutUevents().start(this::record);
        LiveSysfsFixture.override(sys, E1000_ADDRESS, Optional.of("vfio-pci"));
        assertEquals(
                List.of(new OverrideChanged(E1000, Optional.of("vfio-pci"))),
                next("the driver_override write on " + E1000).changes());
    }

    @Test
    void aUeventMakesItReadTheDeviceAtOnce() throws Exception {
        var uevents = new FakeUevents();
        watcher = HostWatcher.on(host.sysfs).uevents(uevents).rescanEvery(NEVER).start(this::record);
        assertTrue(watcher.readsUevents());
        LiveSysfsFixture.bind(sys, AUDIO.name(), "vfio-pci");
        uevents.send(UeventAction.BIND, AUDIO, Optional.of("vfio-pci"));
        Report report = next("the bind that the uevent announced on " + AUDIO);
        assertEquals(List.of(new DriverBound(AUDIO, "vfio-pci")), report.changes());
        assertFalse(report.view().complete(), "only the device the uevent concerned is read");
        assertEquals(List.of(AUDIO), List.copyOf(report.view().devices().keySet()));
    }

    @Test
    void aRemoveUeventIsSeenAsTheDeviceGone() throws Exception {
        var uevents = new FakeUevents();
        watcher = HostWatcher.on(host.sysfs).uevents(uevents).rescanEvery(NEVER).start(this::record);
        LiveSysfsFixture.remove(sys, E1000_ADDRESS);
        uevents.send(UeventAction.REMOVE, E1000, Optional.empty());
        assertEquals(
                List.of(new DeviceRemoved(E1000)),
                next("the removal of " + E1000).changes());
    }

    @Test
    void lostUeventsMakeItReadEverything() throws Exception {
        var uevents = new FakeUevents();
        watcher = HostWatcher.on(host.sysfs).uevents(uevents).rescanEvery(NEVER).start(this::record);
        LiveSysfsFixture.unbind(sys, E1000_ADDRESS);
        uevents.loseSome();
        Report report = next("a rescan after uevents were lost");
        assertEquals(List.of(new DriverUnbound(E1000, "e1000")), report.changes());
        assertTrue(report.view().complete());
    }

    @Test
    void aFailingUeventSourceIsClosedAndRescansCarryOn() throws Exception {
        var uevents = new FakeUevents();
        watcher = HostWatcher.on(host.sysfs)
                .uevents(uevents)
                .rescanEvery(Duration.ofMillis(200))
                .start(this::record);
        uevents.fail();
        assertTrue(uevents.closed.await(WAIT_SECONDS, TimeUnit.SECONDS), "waited for the broken source to be closed");
        LiveSysfsFixture.unbind(sys, E1000_ADDRESS);
        assertEquals(
                List.of(new DriverUnbound(E1000, "e1000")),
                next("the unbind, by rescan").changes());
        assertFalse(watcher.readsUevents());
    }

    @Test
    void aChangeTheModelAlreadyMadeIsNotReported() throws Exception {
        var model = new AtomicReference<KernelState>(host.bootedModel());
        var uevents = new FakeUevents();
        watcher = HostWatcher.on(host.sysfs)
                .againstModel(model::get)
                .uevents(uevents)
                .rescanEvery(NEVER)
                .start(this::record);
        // the engine's own unbind: the model first, then the kernel, whose uevent comes back
        model.updateAndGet(state -> Q35LiveHost.apply(state, new Command.DriverUnbind(E1000)));
        LiveSysfsFixture.unbind(sys, E1000_ADDRESS);
        uevents.send(UeventAction.UNBIND, E1000, Optional.of("e1000"));
        // someone else's unbind
        LiveSysfsFixture.unbind(sys, VIRTIO_NET.name());
        uevents.send(UeventAction.UNBIND, VIRTIO_NET, Optional.of("virtio-pci"));
        assertEquals(
                List.of(new DriverUnbound(VIRTIO_NET, "virtio-pci")),
                next("someone else's unbind of " + VIRTIO_NET).changes());
        assertNull(reports.poll(), "nothing else was reported");
    }

    @Test
    void aReadingOlderThanTheModelIsNotTakenForAChange() throws Exception {
        var model = new AtomicReference<KernelState>(host.bootedModel());
        var uevents = new FakeUevents();
        var engineBinds = new java.util.concurrent.atomic.AtomicBoolean();
        watcher = HostWatcher.on(host.sysfs)
                .againstModel(() -> {
                    if (engineBinds.compareAndSet(true, false)) {
                        // the engine's bind completes between the watcher's reading and its look at the model
                        try {
                            LiveSysfsFixture.bind(sys, E1000_ADDRESS, "vfio-pci");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        model.updateAndGet(
                                state -> Q35LiveHost.apply(state, new Command.DriverBind(E1000, "vfio-pci")));
                    }
                    return model.get();
                })
                .uevents(uevents)
                .rescanEvery(NEVER)
                .start(this::record);
        // the engine's unbind, then its bind of vfio-pci while the watcher reads the unbind's uevent
        model.updateAndGet(state -> Q35LiveHost.apply(state, new Command.DriverUnbind(E1000)));
        LiveSysfsFixture.unbind(sys, E1000_ADDRESS);
        engineBinds.set(true);
        uevents.send(UeventAction.UNBIND, E1000, Optional.of("e1000"));
        // someone else's unbind, which must be the first and only report
        LiveSysfsFixture.unbind(sys, VIRTIO_NET.name());
        uevents.send(UeventAction.UNBIND, VIRTIO_NET, Optional.of("virtio-pci"));
        assertEquals(
                List.of(new DriverUnbound(VIRTIO_NET, "virtio-pci")),
                next("someone else's unbind of " + VIRTIO_NET).changes(),
                "the unbind read before the engine's bind was recorded is not reported as vfio-pci unbound");
        assertFalse(engineBinds.get(), "the engine's bind happened while the watcher looked at the model");
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheWatching() throws Exception {
        var uevents = new FakeUevents();
        watcher = HostWatcher.on(host.sysfs).uevents(uevents).rescanEvery(NEVER).start((changes, view) -> {
            record(changes, view);
            throw new IllegalStateException("a listener's bug");
        });
        LiveSysfsFixture.unbind(sys, E1000_ADDRESS);
        uevents.send(UeventAction.UNBIND, E1000, Optional.of("e1000"));
        assertEquals(
                List.of(new DriverUnbound(E1000, "e1000")),
                next("the first unbind").changes());
        LiveSysfsFixture.unbind(sys, VIRTIO_NET.name());
        uevents.send(UeventAction.UNBIND, VIRTIO_NET, Optional.of("virtio-pci"));
        assertEquals(
                List.of(new DriverUnbound(VIRTIO_NET, "virtio-pci")),
                next("the second unbind, after the listener threw").changes());
    }

    @Test
    void closingStopsTheThreadAndClosesTheSourceOnce() throws Exception {
        var uevents = new FakeUevents();
        watcher = HostWatcher.on(host.sysfs).uevents(uevents).start(this::record);
        assertTimeoutPreemptively(Duration.ofSeconds(WAIT_SECONDS), watcher::close, "closing the watcher");
        assertEquals(0, uevents.closed.getCount(), "the source was closed by the time close returned");
        watcher.close(); // twice: nothing more
    }

    @Test
    void opensTheKernelsUeventSocketByDefault() {
        watcher = HostWatcher.on(host.sysfs).start(this::record);
        assertTrue(watcher.readsUevents(), "listening to kernel uevents needs no privilege on Linux");
    }

    @Test
    void aWrongRootFailsAtStartOnTheCallersThread() {
        var error = assertThrows(
                HostInputException.class,
                () -> HostWatcher.on(new HostSysfs(sys.resolve("nowhere")))
                        .withoutUevents()
                        .start(this::record));
        assertTrue(
                error.getMessage()
                        .startsWith(sys.resolve("nowhere/bus/pci/devices").toString()),
                error.getMessage());
    }
}
