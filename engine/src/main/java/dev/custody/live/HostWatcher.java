package dev.custody.live;

import dev.custody.model.DeviceId;
import dev.custody.model.state.KernelState;
import dev.custody.nativeio.host.Uevent;
import dev.custody.nativeio.host.UeventAction;
import dev.custody.nativeio.host.UeventSocket;
import dev.custody.nativeio.host.UeventSocketException;
import dev.custody.nativeio.host.UeventSource;
import dev.custody.topology.PciAddress;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices the changes someone else makes to the host's PCI functions (an {@code echo > unbind}, a
 * hot-unplug, a {@code driver_override} write) and tells a listener, on one daemon thread.
 *
 * <p>It reads the kernel's uevents (PCI functions' add, remove, bind, unbind) and, on each, reads
 * the functions concerned from sysfs again; and it reads all of them every {@link #RESCAN_INTERVAL}
 * (500 ms), which is how a {@code driver_override} write is seen (it sends no uevent), how events
 * lost to a full socket buffer are made good, and all there is when no uevent socket can be opened.
 * Each time a reading differs from the last one, the listener gets the changes: against that last
 * reading, or (with {@link Builder#againstModel}) against the model's state at that moment, so that a
 * change the model has already made (the engine's own bind coming back as a uevent) is not reported.
 *
 * <p>Timing: {@link Builder#start} reads the host once on the caller's thread (so a wrong sysfs root
 * fails there) and returns once the thread runs. {@link #close} stops the thread and waits for it at
 * most {@link #STOP_TIMEOUT}; the thread notices within {@link #STOP_CHECK} (100 ms) unless it is in
 * a sysfs reading or in the listener. The listener runs on the watcher's thread and should hand the
 * changes on rather than act on them there; one that throws is logged and the watching goes on.
 */
public final class HostWatcher implements AutoCloseable {

    public static final Duration RESCAN_INTERVAL = Duration.ofMillis(500);
    /** The longest the thread waits without looking whether it should stop. */
    public static final Duration STOP_CHECK = Duration.ofMillis(100);

    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    /** Events taken in one go before the devices they concern are read. */
    private static final int BATCH = 256;

    private static final Logger LOG = LoggerFactory.getLogger("dev.custody.live");
    private static final Set<UeventAction> WATCHED =
            Set.of(UeventAction.ADD, UeventAction.REMOVE, UeventAction.BIND, UeventAction.UNBIND);

    /** Told each time the host differs from what it was last seen as. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param changes what differs, in the order the model can follow ({@link Reconciliation}); never empty
         * @param view the fresh reading of the devices concerned (partial after a uevent, complete after a rescan)
         */
        void changed(List<ExternalChange> changes, HostView view);
    }

    public static Builder on(HostSysfs sysfs) {
        return new Builder(sysfs);
    }

    /** How to watch; {@link #start} starts. */
    public static final class Builder {
        private final HostSysfs sysfs;
        private Optional<Supplier<KernelState>> model = Optional.empty();
        private Optional<UeventSource> uevents = Optional.empty();
        private boolean openUevents = true;
        private Duration rescanInterval = RESCAN_INTERVAL;

        private Builder(HostSysfs sysfs) {
            this.sysfs = Objects.requireNonNull(sysfs);
        }

        /** Report changes against the model's state as {@code model} gives it when a change is seen. */
        public Builder againstModel(Supplier<KernelState> model) {
            this.model = Optional.of(model);
            return this;
        }

        /** Read these uevents (the watcher closes the source when it stops) instead of opening the kernel's socket. */
        public Builder uevents(UeventSource source) {
            this.uevents = Optional.of(source);
            this.openUevents = false;
            return this;
        }

        /** Rescan only: open no uevent socket. */
        public Builder withoutUevents() {
            this.uevents = Optional.empty();
            this.openUevents = false;
            return this;
        }

        public Builder rescanEvery(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("rescan interval must be positive: " + interval);
            }
            this.rescanInterval = interval;
            return this;
        }

        public HostWatcher start(Listener listener) {
            Objects.requireNonNull(listener);
            HostView first = sysfs.read();
            Optional<UeventSource> source = openUevents ? openKernelSocket() : uevents;
            var watcher = new HostWatcher(sysfs, model, source, rescanInterval, listener, first);
            watcher.thread.start();
            return watcher;
        }

        private static Optional<UeventSource> openKernelSocket() {
            try {
                return Optional.of(UeventSocket.open(problem -> LOG.warn("uevents: {}", problem)));
            } catch (UeventSocketException e) {
                LOG.warn("no kernel uevents ({}); changes are seen by rescanning sysfs only", e.getMessage());
                return Optional.empty();
            }
        }
    }

    private final HostSysfs sysfs;
    private final Optional<Supplier<KernelState>> model;
    private final Duration rescanInterval;
    private final Listener listener;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Thread thread;
    /** Written by the watcher's thread only (it drops a failed source); volatile for {@link #readsUevents}. */
    private volatile Optional<UeventSource> uevents;
    /** Only the watcher's thread touches these. */
    private HostView lastSeen;

    private long lostSoFar;

    private HostWatcher(
            HostSysfs sysfs,
            Optional<Supplier<KernelState>> model,
            Optional<UeventSource> uevents,
            Duration rescanInterval,
            Listener listener,
            HostView first) {
        this.sysfs = sysfs;
        this.model = model;
        this.uevents = uevents;
        this.rescanInterval = rescanInterval;
        this.listener = listener;
        this.lastSeen = first;
        this.lostSoFar = uevents.map(UeventSource::lost).orElse(0L);
        this.thread = Thread.ofPlatform().name("custody-host-watcher").daemon().unstarted(this::run);
    }

    /** Whether uevents are being read (false: rescans only). Meant for status lines; racy by nature. */
    public boolean readsUevents() {
        return uevents.isPresent();
    }

    private void run() {
        long nextRescan = System.nanoTime() + rescanInterval.toNanos();
        try {
            while (stopping.getCount() > 0) {
                long now = System.nanoTime();
                if (now - nextRescan >= 0) {
                    look(Optional.empty());
                    nextRescan = now + rescanInterval.toNanos();
                    continue;
                }
                Duration wait = Duration.ofNanos(Math.min(nextRescan - now, STOP_CHECK.toNanos()));
                if (uevents.isPresent()) {
                    Set<DeviceId> concerned = receive(uevents.get(), wait);
                    if (uevents.isPresent() && uevents.get().lost() != lostSoFar) {
                        lostSoFar = uevents.get().lost();
                        nextRescan = System.nanoTime(); // some events are gone: read everything now
                    } else if (!concerned.isEmpty()) {
                        look(Optional.of(concerned));
                    }
                } else {
                    stopping.await(wait.toNanos(), TimeUnit.NANOSECONDS); // returns at once on close
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            uevents.ifPresent(UeventSource::close);
        }
    }

    /** The PCI functions the next events (one wait, then whatever is already queued) concern. */
    private Set<DeviceId> receive(UeventSource source, Duration wait) {
        var concerned = new TreeSet<DeviceId>();
        try {
            Optional<Uevent> event = source.receive(wait);
            for (int i = 0; event.isPresent() && i < BATCH; i++) {
                concernedDevice(event.get()).ifPresent(concerned::add);
                event = source.receive(Duration.ZERO);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("uevents failed ({}); changes are seen by rescanning sysfs only from now on", e.toString());
            source.close();
            uevents = Optional.empty();
        }
        return concerned;
    }

    private static Optional<DeviceId> concernedDevice(Uevent event) {
        if (!event.isPciFunction() || !WATCHED.contains(event.action())) return Optional.empty();
        try {
            return Optional.of(new DeviceId(
                    PciAddress.parse(event.pciSlotName().orElseThrow()).toString()));
        } catch (IllegalArgumentException notAnAddress) {
            LOG.warn("uevent {}: PCI_SLOT_NAME is not a PCI address", event);
            return Optional.empty();
        }
    }

    /**
     * Reads the given devices (or all), and tells the listener what changed since the last reading; against
     * the model, a full rescan compares every device with the model, so a model left behind by a race with
     * the engine's own calls is brought back even when the host did not change again.
     */
    private void look(Optional<Set<DeviceId>> devices) {
        HostView fresh;
        try {
            fresh = devices.map(sysfs::read).orElseGet(sysfs::read);
        } catch (RuntimeException e) {
            LOG.warn("reading {} failed, retried at the next rescan: {}", sysfs.devicesDirectory(), e.getMessage());
            return;
        }
        List<ExternalChange> sinceLast = Reconciliation.differences(lastSeen, fresh);
        lastSeen = lastSeen.updatedWith(fresh);
        boolean wholeModel = model.isPresent() && devices.isEmpty();
        if (sinceLast.isEmpty() && !wholeModel) return;
        List<ExternalChange> changes;
        HostView reported = fresh;
        try {
            if (model.isPresent()) {
                // the model first, the host after: a reading older than the model would show the engine's
                // own call as undone, and the model would follow that phantom
                KernelState now = model.get().get();
                reported = wholeModel ? sysfs.read() : sysfs.read(changedDevices(sinceLast));
                changes = againstModel(now, reported, changedDevices(sinceLast));
            } else {
                changes = sinceLast;
            }
        } catch (RuntimeException e) {
            LOG.error("the model's state could not be had; {} host change(s) not reported", sinceLast.size(), e);
            return;
        }
        if (changes.isEmpty()) return;
        try {
            listener.changed(changes, reported);
        } catch (RuntimeException e) {
            LOG.error("the host watcher's listener failed on {} change(s); watching goes on", changes.size(), e);
        }
    }

    private static Set<DeviceId> changedDevices(List<ExternalChange> sinceLast) {
        var changed = new TreeSet<DeviceId>();
        sinceLast.forEach(c -> changed.add(c.device()));
        return changed;
    }

    /** The model against what the host now shows of the devices read; the changed ones it lacks are logged. */
    private static List<ExternalChange> againstModel(KernelState model, HostView seen, Set<DeviceId> changed) {
        for (DeviceId unknown : Reconciliation.unknownToModel(model, seen)) {
            if (changed.contains(unknown)) {
                LOG.warn("{} changed on the host but is not in the model's topology; the model cannot follow", unknown);
            }
        }
        return Reconciliation.differences(model, seen);
    }

    /**
     * Stops the thread and waits for it (at most {@link #STOP_TIMEOUT}); the uevent source is closed
     * by the thread as it ends. Closing twice does nothing more.
     *
     * @throws IllegalStateException when the thread did not end in time (a listener that does not return)
     */
    @Override
    public void close() {
        stopping.countDown();
        if (Thread.currentThread() == thread) return; // a listener closing its own watcher: the loop ends after it
        try {
            if (!thread.join(STOP_TIMEOUT)) {
                throw new IllegalStateException("the host watcher did not stop within " + STOP_TIMEOUT.toMillis()
                        + " ms: its listener or a sysfs reading has not returned");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
