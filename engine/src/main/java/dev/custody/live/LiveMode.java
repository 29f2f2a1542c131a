package dev.custody.live;

import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.model.Topology;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Live host mode as {@code custody serve --host} (or an embedding control process) starts it: checked
 * before anything is touched, then an engine whose decisions are carried out on this host, reconciled
 * with what the host shows and watching it.
 */
public final class LiveMode {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("dev.custody.engine");

    /** Where this host's sysfs and device nodes are. */
    static final Path SYSFS = Path.of("/sys");

    static final Path DEVICES = Path.of("/dev");

    private final AllowList allowed;
    private final boolean dryRun;

    private LiveMode(AllowList allowed, boolean dryRun) {
        this.allowed = allowed;
        this.dryRun = dryRun;
    }

    /**
     * Whether live mode may start here, before anything is read or written.
     *
     * @param machineGiven a topology or capture was named: live mode governs the machine it runs on
     * @throws IllegalArgumentException saying what is missing or wrong
     */
    public static LiveMode check(String allow, boolean dryRun, boolean machineGiven) throws IOException {
        if (machineGiven) {
            throw new IllegalArgumentException(
                    "--host governs the machine it runs on: leave out --topology and --sysfs");
        }
        if (allow == null || allow.isBlank()) {
            throw new IllegalArgumentException(
                    "--host needs --allow, the only devices it may act on (for example 0000:03:00.0,group:14)");
        }
        AllowList allowed = AllowList.parse(allow);
        Optional<String> refused = LivePreconditions.refusal(dryRun, DEVICES, LivePreconditions.effectiveUid());
        if (refused.isPresent()) {
            throw new IllegalArgumentException(refused.get());
        }
        return new LiveMode(allowed, dryRun);
    }

    /** Starts (or recovers) the engine on this host's {@code machine}, reconciles it and starts watching. */
    public Running start(CustodyRuntime runtime, String instance, Topology machine, Duration timeout) throws Exception {
        return start(runtime, instance, machine, java.util.Map.of(), timeout);
    }

    /**
     * As {@link #start(CustodyRuntime, String, Topology, Duration)}, keeping open the files whose
     * descriptors {@code outWithHolders} says a holder's process took (file to holder, from the server's
     * state log): they wait for that process to give them back or to say it closed them.
     */
    public Running start(
            CustodyRuntime runtime,
            String instance,
            Topology machine,
            java.util.Map<dev.custody.model.FileId, String> outWithHolders,
            Duration timeout)
            throws Exception {
        HostSysfs sysfs = new HostSysfs(SYSFS);
        machine = HostDriverTables.appliedTo(
                machine, sysfs, HostDriverTables.ofRunningKernel(note -> LOG.info("live host: {}", note)));
        Optional<AgentCalls> calls = dryRun ? Optional.empty() : Optional.of(AgentCalls.onThisHost());
        HostCalls performing = calls.isPresent()
                ? calls.get()
                : (step, line) -> {
                    throw new IllegalStateException("a dry run carries nothing out: " + line);
                };
        LiveHost host = new LiveHost(performing, allowed, dryRun, LiveSession.resyncFrom(sysfs));
        try {
            EngineAdmin engine = EngineAdmin.start(runtime, instance, machine, timeout, host)
                    .toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LiveSession session =
                    LiveSession.start(engine, sysfs, HostWatcher.on(sysfs), host, outWithHolders, timeout);
            return new Running(engine, host, session, calls, allowed);
        } catch (Exception | Error failed) {
            calls.ifPresent(AgentCalls::close);
            throw failed;
        }
    }

    /** A started live engine: close the session (the watcher, the agent's descriptors) before the engine stops. */
    public record Running(
            EngineAdmin engine, LiveHost host, LiveSession session, Optional<AgentCalls> calls, AllowList allowed)
            implements AutoCloseable {

        /** One line for the operator: the mode, the allow-list, what the start reconciled, how the host is watched. */
        public String describe() {
            return "live host mode" + (host.dryRun() ? " (dry run: nothing is carried out)" : "")
                    + " on this host's kernel, acting only on " + allowed + "; "
                    + session.reconciled().size()
                    + " changes found at start"
                    + (session.closedAtStart().isEmpty()
                            ? ""
                            : " (" + session.closedAtStart().size()
                                    + " of them files the journal held, closed: their descriptors went with the"
                                    + " previous process)")
                    + (session.keptAtStart().isEmpty()
                            ? ""
                            : "; " + session.keptAtStart().size()
                                    + " files kept open for the holders' processes that took their descriptors")
                    + "; watching " + (session.readsUevents() ? "uevents and " : "")
                    + "sysfs every " + HostWatcher.RESCAN_INTERVAL.toMillis() + " ms";
        }

        @Override
        public void close() {
            session.close();
            calls.ifPresent(AgentCalls::close);
        }
    }
}
