package dev.custody.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.api.HeapNeed;
import dev.custody.cluster.ClusterServer;
import dev.custody.cluster.ClusterSettings;
import dev.custody.cluster.ClusterTimings;
import dev.custody.cluster.Fleet;
import dev.custody.crash.ParentWatch;
import dev.custody.live.LiveMode;
import dev.custody.model.Topology;
import dev.custody.persistence.JournalCredentials;
import dev.custody.persistence.JournalSpec;
import dev.custody.replay.SysfsView;
import dev.custody.server.ControlServer;
import dev.custody.server.Limits;
import dev.custody.server.Policy;
import dev.custody.server.ServerSettings;
import dev.custody.server.TopologySources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code custody serve}: the engine behind a Unix socket (docs/protocol.md). */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        header = "Serve the engine on a Unix socket, QMP-style JSON lines (docs/protocol.md).",
        description = {
            "Starts the engine on its journal (recovering it), then listens on --socket (mode 0600). SIGTERM",
            "answers what was accepted, closes every connection's files and stops. Exit 2 on bad options."
        })
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--socket", required = true, paramLabel = "PATH", description = "The Unix socket to create.")
    Path socket;

    @Option(
            names = "--journal",
            defaultValue = "h2:custody-data",
            description = "memory, h2:DIR or a jdbc:postgresql: URL. Default: ${DEFAULT-VALUE}.")
    String journal;

    @Option(
            names = "--topology",
            paramLabel = "FILE",
            description = "A scenario file whose topology (or pci form) is the machine; its steps are ignored.")
    Path topology;

    @Mixin
    HostSource host = new HostSource();

    @Option(
            names = "--instance",
            defaultValue = JournalSpec.DEFAULT_INSTANCE,
            description = "Engine instance name. Default: ${DEFAULT-VALUE}.")
    String instance;

    @Option(
            names = "--access-policy",
            paramLabel = "FILE",
            description = "Who may connect and act on which groups (docs/protocol.md). Default: only this user.")
    Path accessPolicy;

    @Option(
            names = "--state",
            paramLabel = "DIR",
            description = "Holders, opid answers and the audit log. Default: DIR/serve for h2:DIR, else memory.")
    Path state;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Prometheus text on 127.0.0.1:PORT/metrics.")
    Integer metricsPort;

    @Option(
            names = "--max-line-bytes",
            defaultValue = "" + Limits.DEFAULT_MAX_LINE_BYTES,
            description = "Longest request line. Default: ${DEFAULT-VALUE}.")
    int maxLineBytes;

    @Option(
            names = "--max-connections",
            defaultValue = "" + Limits.DEFAULT_MAX_CONNECTIONS,
            description = "Connections at once. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(
            names = "--idle-timeout",
            defaultValue = "600",
            paramLabel = "SECONDS",
            description = "Close a connection silent this long (0: never). Default: ${DEFAULT-VALUE}.")
    long idleSeconds;

    @Option(
            names = "--host",
            description = "Live host mode: carry every decision out on this host's kernel (root; docs/live-host.md).")
    boolean live;

    @Option(
            names = "--allow",
            paramLabel = "DEVICES|GROUPS",
            description = "With --host: the only devices it may act on, PCI addresses and group:N, comma-separated.")
    String allow;

    @Option(names = "--dry-run", description = "With --host: decide and journal, carry nothing out.")
    boolean dryRun;

    @Option(
            names = "--cluster",
            description = "Run as a cluster node: every instance of the fleet is served by whichever node holds it"
                    + " (docs/cluster.md). Needs --seed-nodes and a jdbc:postgresql: --journal.")
    boolean cluster;

    @Option(
            names = "--seed-nodes",
            paramLabel = "HOST:PORT,...",
            description = "With --cluster: the nodes to join through, the same list on every node.")
    String seedNodes;

    @Option(
            names = "--control-socket",
            paramLabel = "PATH",
            description = "With --cluster: also the control socket of docs/protocol.md, for the instance each"
                    + " connection picks in its first line, {\"instance\": NAME} (docs/cluster.md).")
    Path controlSocket;

    @Option(
            names = "--cluster-host",
            defaultValue = "127.0.0.1",
            description = "With --cluster: the address other nodes reach this one at. Default: ${DEFAULT-VALUE}.")
    String clusterHost;

    @Option(
            names = "--cluster-port",
            defaultValue = "2551",
            description = "With --cluster: this node's cluster (Artery TCP) port. Default: ${DEFAULT-VALUE}.")
    int clusterPort;

    @Option(
            names = "--cluster-config",
            paramLabel = "FILE",
            description = "With --cluster: Pekko settings (HOCON) put in front of the node's own, e.g. Artery TLS"
                    + " (docs/cluster.md).")
    Path clusterConfig;

    @Option(
            names = "--cluster-timings",
            paramLabel = "network|loopback",
            defaultValue = "network",
            description = "With --cluster: how soon a silent node is downed and its instances move: network (a"
                    + " 3 s heartbeat pause, 7 s stable-after) or loopback (1.5 s and 1 s: nodes on one machine"
                    + " only; docs/cluster.md). Default: ${DEFAULT-VALUE}.")
    String clusterTimings;

    @Option(
            names = "--hosts",
            defaultValue = "1",
            description = "With --cluster: the fleet, host-0 ... host-(N-1), each a host kernel of the topology."
                    + " Default: ${DEFAULT-VALUE}.")
    int hosts;

    @Option(
            names = "--fleet-prefix",
            hidden = true,
            defaultValue = "host",
            description = "With --cluster: the fleet's names are PREFIX-0 ... (simulate --nodes: a run's own"
                    + " instances, never an earlier run's journal).")
    String fleetPrefix;

    @Option(
            names = "--exit-with-stdin",
            hidden = true,
            description = "Halt when standard input ends (crash-test --serve: the child dies with its parent).")
    boolean exitWithStdin;

    @Override
    public Integer call() throws Exception {
        if (exitWithStdin) {
            ParentWatch.start();
        }
        if (cluster) {
            return serveCluster();
        }
        if (seedNodes != null || controlSocket != null) {
            System.err.println("custody serve: " + (seedNodes != null ? "--seed-nodes" : "--control-socket")
                    + " belongs to a cluster node: add --cluster (a single server's --socket is its control socket)");
            return 2;
        }
        JournalSpec spec;
        Topology machine;
        Limits limits;
        Policy policy;
        Optional<LiveMode> liveMode;
        try {
            if (!live && (allow != null || dryRun)) {
                throw new IllegalArgumentException("--allow and --dry-run belong to live host mode: add --host");
            }
            liveMode =
                    live ? Optional.of(LiveMode.check(allow, dryRun, topology != null || host.sysfs != null)) : none();
            spec = JournalSpec.parse(journal).prepared();
            machine = topology != null ? TopologySources.scenarioFile(topology) : loadHost();
            Optional<String> tooLarge = HeapNeed.refusal(machine, true);
            if (tooLarge.isPresent()) { // before the entities start: never an OutOfMemoryError halfway
                throw new IllegalArgumentException(tooLarge.get());
            }
            limits = Limits.defaults()
                    .withMaxLineBytes(maxLineBytes)
                    .withMaxConnections(maxConnections)
                    .withIdleTimeout(Duration.ofSeconds(idleSeconds));
            policy = accessPolicy != null ? Policy.read(accessPolicy) : Policy.ownerOnly();
        } catch (RuntimeException | java.io.IOException bad) {
            System.err.println("custody serve: " + bad.getMessage());
            return 2;
        }
        Optional<Path> stateDirectory = Optional.ofNullable(state)
                .or(() -> journal.startsWith("h2:")
                        ? Optional.of(Path.of(journal.substring(3)).resolve("serve"))
                        : Optional.empty());
        boolean durable = !journal.equals("memory");
        ServerSettings settings = ServerSettings.of(socket, instance, machine)
                .withLimits(limits)
                .withPolicy(policy)
                .withState(
                        durable ? stateDirectory : Optional.empty(),
                        durable ? Optional.of(spec.config()) : Optional.empty())
                .withMetricsPort(metricsPort == null ? OptionalInt.empty() : OptionalInt.of(metricsPort))
                .withStateView(SysfsView::json);
        // SIGTERM runs our hook, which needs the engine: Pekko must not stop itself on the same signal
        CustodyRuntime runtime = CustodyRuntime.start(spec.config()
                .withFallback(ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off")));
        EngineAdmin custody;
        ControlServer server;
        Optional<LiveMode.Running> onHost = Optional.empty();
        try {
            if (liveMode.isPresent()) {
                // files a VM's process took stay open across the restart, for it to give back
                onHost = Optional.of(liveMode.get()
                        .start(
                                runtime,
                                instance,
                                machine,
                                ControlServer.filesOutWithHolders(settings.stateDirectory()),
                                settings.engineTimeout()));
                custody = onHost.get().engine();
                settings = settings.withLive(onHost.get().host());
                System.err.println("custody serve: " + onHost.get().describe());
            } else {
                custody = EngineAdmin.start(runtime, instance, machine, settings.engineTimeout())
                        .toCompletableFuture()
                        .get(settings.engineTimeout().toMillis(), TimeUnit.MILLISECONDS);
            }
            server = ControlServer.start(settings, custody);
        } catch (Exception failed) {
            System.err.println("custody serve: " + failed.getMessage());
            onHost.ifPresent(LiveMode.Running::close);
            runtime.close();
            return 1;
        }
        Optional<LiveMode.Running> hostToClose = onHost;
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            hostToClose.ifPresent(LiveMode.Running::close);
                            stopOrHalt(custody);
                            runtime.close();
                        },
                        "custody-serve-shutdown"));
        // a stuck entity does not keep the server from serving: said once here, listed by query-metrics
        server.stuckAtStart()
                .forEach(stuck ->
                        System.err.println("custody serve: engine " + instance + " starts with " + stuck.describe()
                                + "; it serves on, and the entity's decisions stay open in the engine's journal"));
        System.err.println("custody serve: ready on " + socket + " (engine " + instance + ", journal " + spec.redacted()
                + server.metricsPort().stream()
                        .mapToObj(p -> ", metrics on 127.0.0.1:" + p)
                        .findFirst()
                        .orElse("")
                + ")");
        server.awaitClosed();
        return 0;
    }

    /**
     * A clean stop at shutdown; an engine that cannot become quiet (an entity stuck on a journal it
     * cannot recover from) is halted instead, after saying why, so the journal is still closed cleanly.
     */
    private static void stopOrHalt(EngineAdmin custody) {
        try {
            custody.stop().toCompletableFuture().join();
        } catch (java.util.concurrent.CompletionException notQuiet) {
            System.err.println("custody serve: " + notQuiet.getCause().getMessage() + "; halting instead");
            custody.halt().toCompletableFuture().join();
        }
    }

    /** {@code --cluster}: one node of a cluster of nodes on one PostgreSQL journal (docs/cluster.md). */
    private int serveCluster() {
        ClusterSettings settings;
        JournalSpec spec;
        Fleet fleet;
        Config extra;
        Optional<ClusterServer.Control> control = Optional.empty();
        try {
            if (live || state != null || metricsPort != null) {
                throw new IllegalArgumentException("--host, --state and --metrics-port are not"
                        + " available to a cluster node yet (docs/cluster.md)");
            }
            if (accessPolicy != null && controlSocket == null) {
                throw new IllegalArgumentException(
                        "with --cluster, --access-policy is the policy of the --control-socket: add it");
            }
            if (controlSocket != null) {
                control = Optional.of(new ClusterServer.Control(
                        controlSocket,
                        accessPolicy == null ? Policy.ownerOnly() : Policy.read(accessPolicy),
                        new Limits(
                                maxLineBytes,
                                maxConnections,
                                Duration.ofSeconds(idleSeconds),
                                Limits.DEFAULT_MAX_QUEUED_MESSAGES)));
            }
            if (seedNodes == null) {
                throw new IllegalArgumentException(
                        "--cluster needs --seed-nodes HOST:PORT,... (the same on every node)");
            }
            if (!journal.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("a cluster's journal is shared by every node: --journal must be a"
                        + " jdbc:postgresql: URL, not " + JournalCredentials.redacted(journal));
            }
            spec = JournalSpec.parse(journal);
            Topology machine = topology != null ? TopologySources.scenarioFile(topology) : loadHost();
            Optional<String> tooLarge = HeapNeed.refusal(machine, true);
            if (tooLarge.isPresent()) {
                throw new IllegalArgumentException(tooLarge.get());
            }
            fleet = Fleet.numbered(fleetPrefix, hosts, machine);
            // every node must name the same database; the password is never part of what they compare
            String journalIdentity = JournalCredentials.redacted(JournalCredentials.withoutPasswordFile(journal));
            settings = ClusterSettings.of(
                            clusterHost, clusterPort, ClusterSettings.parseSeedNodes(seedNodes), journalIdentity)
                    .withTimings(ClusterTimings.named(clusterTimings));
            extra = clusterConfig == null
                    ? ConfigFactory.empty()
                    : ConfigFactory.parseFile(
                            clusterConfig.toFile(),
                            ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (RuntimeException | java.io.IOException bad) {
            System.err.println("custody serve: " + bad.getMessage());
            return 2;
        }
        return ClusterServer.run(settings, spec.config(), spec.redacted(), fleet, socket, control, extra, System.err);
    }

    private static Optional<LiveMode> none() {
        return Optional.empty();
    }

    private Topology loadHost() throws java.io.IOException {
        var loaded = host.load();
        loaded.notes().forEach(n -> System.err.println("custody serve: note: " + n));
        return TopologySources.capture(loaded.capture(), loaded.source());
    }
}
