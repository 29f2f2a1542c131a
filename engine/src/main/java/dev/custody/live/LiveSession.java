package dev.custody.live;

import dev.custody.api.EngineAdmin;
import dev.custody.entity.HostPort;
import dev.custody.model.Command;
import dev.custody.model.FileId;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.rules.Decision;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live host mode around a started engine: at start it reconciles what the journal says with what the
 * host shows (the files the journal says are open are closed, since their descriptors went with the
 * previous process, except those a holder's process took, which stay open for it to give back; a driver bound or unbound while the engine was down enters the journal as a change
 * seen on the host), then a {@link HostWatcher} follows what changes behind the engine's back, within about
 * half a second. {@link #resyncFrom} gives the {@link LiveHost} its reading after a drift.
 */
public final class LiveSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("dev.custody.engine");
    /** Reconciliation reads the host again after a change the model refused; this many times at most. */
    static final int ROUNDS = 5;

    private final EngineAdmin engine;
    private final Duration timeout;
    private final List<Decision> reconciled = new ArrayList<>();
    private final List<String> closedAtStart = new ArrayList<>();
    private final List<String> keptAtStart = new ArrayList<>();
    /** What the watcher handed on since the start, newest last, each with the model's answer; bounded. */
    private final java.util.Deque<String> followed = new java.util.concurrent.ConcurrentLinkedDeque<>();

    static final int FOLLOWED_KEPT = 1_000;
    /** Changes the model could not take, left alone while the host keeps showing them (watcher thread only). */
    private final java.util.Set<ExternalChange> stuck = new java.util.HashSet<>();

    private final HostSysfs sysfs;
    private HostWatcher watcher;

    private LiveSession(EngineAdmin engine, HostSysfs sysfs, Duration timeout) {
        this.engine = engine;
        this.sysfs = sysfs;
        this.timeout = timeout;
    }

    /**
     * Reconciles, then watches. {@code watching} builds the watcher (uevents or not, how often it rescans);
     * the session gives it the model to compare against. In a dry run the model decides what the host
     * never does, so the watcher compares each reading with the one before instead: only what really
     * changed on the host is followed. The files closed at start are counted on {@code host}, for
     * {@code query-metrics}.
     */
    public static LiveSession start(
            EngineAdmin engine, HostSysfs sysfs, HostWatcher.Builder watching, LiveHost host, Duration timeout) {
        return start(engine, sysfs, watching, host, Map.of(), timeout);
    }

    /**
     * As {@link #start(EngineAdmin, HostSysfs, HostWatcher.Builder, LiveHost, Duration)}, keeping open the
     * files {@code outWithHolders} names (each with the holder whose process took its descriptor, as the
     * server's state log says): that process may still hold the file, so the kernel has not released it.
     * They stay open in the model, with no descriptor behind them here, until the holder's process gives
     * them back or says it closed its copies (docs/live-host.md, "Taking them back").
     */
    public static LiveSession start(
            EngineAdmin engine,
            HostSysfs sysfs,
            HostWatcher.Builder watching,
            LiveHost host,
            Map<FileId, String> outWithHolders,
            Duration timeout) {
        LiveSession session = new LiveSession(engine, sysfs, timeout);
        session.descriptors(outWithHolders);
        session.reconcileDrivers();
        host.noteClosedAtStart(session.closedAtStart.size());
        host.noteKeptAtStart(session.keptAtStart.size());
        HostWatcher.Builder compared = host.dryRun() ? watching : watching.againstModel(session::model);
        session.watcher = compared.start(session::follow);
        return session;
    }

    /**
     * What the watcher hands on. A change the model cannot take (a device or driver its topology lacks) or
     * refused is tried once and logged; a full rescan reports it again every time, and it is left alone
     * until the host shows it no more.
     */
    private void follow(List<ExternalChange> changes, HostView view) {
        KernelState model = model();
        stuck.retainAll(changes);
        for (ExternalChange change : changes) {
            if (stuck.contains(change)) {
                continue;
            }
            if (!HostObservations.followable(model, change)) {
                LOG.warn("live host: cannot follow {}: the engine's topology does not have it", change.describe());
                stuck.add(change);
                continue;
            }
            HostPort.Observation seen = HostObservations.observation(change, view, sysfs, "seen on the host");
            Decision decision = follow(seen);
            if (!decision.outcome().isOk()) {
                stuck.add(change);
            }
            followed.add(seen.seen() + ": "
                    + (decision.events().isEmpty() && decision.outcome().isOk()
                            ? "already so"
                            : decision.outcome().resultName()));
            while (followed.size() > FOLLOWED_KEPT) {
                followed.poll();
            }
        }
    }

    /** After a drift: what the host shows now, as the changes that bring the model back to it. */
    public static BiFunction<KernelState, Command<?>, List<HostPort.Observation>> resyncFrom(HostSysfs sysfs) {
        return (state, command) -> HostObservations.of(state, sysfs.read(), sysfs, "read again after a drift");
    }

    /** What the start's reconciliation decided, in order: the model following the host. */
    public List<Decision> reconciled() {
        return List.copyOf(reconciled);
    }

    /**
     * The files the recovered journal said were open and the start closed, each as the change seen on
     * the host that the journal records for it ("at start: the VFIO group file ... was held by the
     * engine's previous process, and its descriptor went with it"). The engine does not reopen them:
     * the kernel released what they held when the previous process died (docs/live-host.md).
     */
    public List<String> closedAtStart() {
        return List.copyOf(closedAtStart);
    }

    /**
     * The files the recovered journal said were open and the start kept open, each described ("at start:
     * the VFIO group file "g" (fd 3) stays open: its descriptor was handed to holder vm-42's process
     * ..."): a holder's process took their descriptors and may still hold them (docs/live-host.md).
     */
    public List<String> keptAtStart() {
        return List.copyOf(keptAtStart);
    }

    /**
     * The changes seen on the host since the start, oldest first (at most {@value #FOLLOWED_KEPT}), each with
     * what the model made of it: {@code ok}, {@code already so} (the model showed it by then), or a refusal.
     */
    public List<String> followedSinceStart() {
        return List.copyOf(followed);
    }

    public boolean readsUevents() {
        return watcher.readsUevents();
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
    }

    /**
     * Only what the start does with the files the recovered journal holds open, for a process that
     * watches no sysfs: those out with a holder's process kept, the others closed, as {@link #start}
     * does before it reads the host. The session's lists say which were which; it watches nothing.
     */
    public static LiveSession descriptorsAtStart(
            EngineAdmin engine, LiveHost host, Map<FileId, String> outWithHolders, Duration timeout) {
        LiveSession session = new LiveSession(engine, null, timeout);
        session.descriptors(outWithHolders);
        host.noteClosedAtStart(session.closedAtStart.size());
        host.noteKeptAtStart(session.keptAtStart.size());
        return session;
    }

    private void descriptors(Map<FileId, String> outWithHolders) {
        KernelState recovered = model();
        for (HostPort.Observation lost : HostObservations.lostDescriptors(recovered, outWithHolders::containsKey)) {
            LOG.warn("live host: {}; the model closes it", lost.seen());
            Decision closed = follow(lost);
            reconciled.add(closed);
            if (closed.outcome().isOk()) {
                closedAtStart.add(lost.seen());
            }
        }
        if (!closedAtStart.isEmpty()) {
            LOG.warn(
                    "live host: {} files the journal held were closed at start; their holders must open them again",
                    closedAtStart.size());
        }
        outWithHolders.forEach((file, holder) -> recovered
                .file(file)
                .filter(OpenFile::fdOpen)
                .ifPresent(open -> {
                    String kept = "at start: " + HostObservations.kind(open) + " \"" + open.label() + "\" (fd "
                            + file.number() + ") stays open: its descriptor was handed to holder " + holder
                            + "'s process, which may still hold it; that process gives it back or says it closed it";
                    LOG.warn("live host: {}", kept);
                    keptAtStart.add(kept);
                }));
    }

    private void reconcileDrivers() {
        for (int round = 0; round < ROUNDS; round++) {
            List<HostPort.Observation> differences =
                    HostObservations.of(model(), sysfs.read(), sysfs, "found at start");
            if (differences.isEmpty()) {
                return;
            }
            for (HostPort.Observation observation : differences) {
                Decision followed = follow(observation);
                reconciled.add(followed);
                if (!followed.outcome().isOk()) {
                    break; // the host moved on, or an earlier change makes this one moot: read it again
                }
            }
        }
        LOG.warn("live host: the model still differs from the host after {} readings", ROUNDS);
    }

    private Decision follow(HostPort.Observation observation) {
        Decision decision = join(engine.observe(observation).toCompletableFuture());
        if (!decision.outcome().isOk()) {
            LOG.warn(
                    "live host: the model cannot follow {}: {}",
                    observation.seen(),
                    decision.outcome().explanation().orElse(decision.outcome().resultName()));
        }
        return decision;
    }

    private KernelState model() {
        return join(engine.state().toCompletableFuture());
    }

    private <T> T join(java.util.concurrent.CompletableFuture<T> future) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the engine decided a change seen on the host");
        } catch (Exception failed) {
            throw new IllegalStateException("the engine did not decide a change seen on the host: " + failed, failed);
        }
    }
}
