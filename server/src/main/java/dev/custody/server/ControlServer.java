package dev.custody.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.EngineAdmin;
import dev.custody.entity.Settled;
import dev.custody.entity.StuckEntity;
import dev.custody.model.Command;
import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.scenario.Step;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code custody serve}: the engine behind a Unix socket (docs/protocol.md). It starts on an engine
 * that has recovered its journal, puts back what its previous run held (holders, answers, files of
 * connections that died with it), and only then creates the socket. {@link #close} stops it the way
 * SIGTERM should: no new connections, every request already read is answered, then each connection
 * closes and its files are closed in order.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    static final String STATE_LOG = "serve-state.jsonl";
    static final String AUDIT_LOG = "serve-audit.jsonl";

    private final ServerSettings settings;
    private final Service service;
    private final ServerSocketChannel listener;
    private final String serverUser;
    private final PeerIdentity identity;
    private final AutoCloseable subscription;
    private final StateLog state;
    private final Optional<MetricsEndpoint> metrics;
    private final ScheduledExecutorService reaper;
    private final Thread acceptor;
    private final AtomicInteger active = new AtomicInteger();
    private final Set<Thread> serving = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);
    /** How the engine was when serving began: its last decision, and the entities stuck then. */
    private final Settled started;

    private ControlServer(
            ServerSettings settings,
            Service service,
            ServerSocketChannel listener,
            PeerIdentity identity,
            AutoCloseable subscription,
            StateLog state,
            Optional<MetricsEndpoint> metrics,
            Settled started)
            throws IOException {
        this.started = started;
        this.settings = settings;
        this.service = service;
        this.listener = listener;
        this.serverUser = Files.getOwner(settings.socket()).getName();
        this.identity = identity;
        this.subscription = subscription;
        this.state = state;
        this.metrics = metrics;
        this.reaper = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("custody-serve-idle").unstarted(r));
        long period =
                Math.max(50, Math.min(1000, settings.limits().idleTimeout().toMillis() / 4));
        reaper.scheduleWithFixedDelay(this::closeIdle, period, period, TimeUnit.MILLISECONDS);
        this.acceptor = Thread.ofPlatform().name("custody-serve-accept").start(this::accept);
    }

    /**
     * Starts serving the engine {@code custody}, which has recovered its journal. The server needs the
     * engine's admin: it is the process that holds every connection's files, and the names a client
     * gives them are looked up in that client's own table only (docs/capabilities.md).
     */
    public static ControlServer start(ServerSettings settings, EngineAdmin custody) throws Exception {
        return start(settings, custody, PeerIdentity.KERNEL);
    }

    /**
     * The files whose descriptors holders' processes took and had not given back when the server that
     * keeps its state in {@code stateDirectory} last ran, each with its holder's name; none without a
     * state directory. A live engine's start keeps these open ({@code LiveMode.start}), before this
     * server starts on it.
     */
    public static Map<FileId, String> filesOutWithHolders(Optional<Path> stateDirectory) throws IOException {
        if (stateDirectory.isEmpty()) {
            return Map.of();
        }
        return ServerRecovery.outWithHolders(
                ServerRecovery.read(stateDirectory.get().resolve(STATE_LOG)));
    }

    static ControlServer start(ServerSettings settings, EngineAdmin custody, PeerIdentity identity) throws Exception {
        return start(settings, custody, identity, records -> records);
    }

    /** As the others, with the state log's records passed through {@code records} (a test makes them fail). */
    static ControlServer start(
            ServerSettings settings,
            EngineAdmin custody,
            PeerIdentity identity,
            java.util.function.UnaryOperator<StateRecords> records)
            throws Exception {
        Optional<Path> stateLogPath = settings.stateDirectory().map(d -> d.resolve(STATE_LOG));
        ServerRecovery.Recovered recovered = stateLogPath.isPresent()
                ? ServerRecovery.read(stateLogPath.get())
                : new ServerRecovery.Recovered(Map.of(), Map.of(), List.of());
        Map<String, JournalLookup.Found> found = ServerRecovery.decidedInTheJournal(settings, recovered);

        // settled, not quiet: an entity stuck on a journal it cannot recover from is not waited for (the
        // engine has said so at WARN; stuckAtStart() and query-metrics name it)
        Settled settled = await(custody.settle(), settings);
        KernelState initial = await(custody.state(), settings);
        Timeline timeline = new Timeline(initial, settled.lastSeq());
        StateLog state =
                new StateLog(records.apply(stateLogPath.map(JsonLines::at).orElseGet(JsonLines::none)));
        AuditLog audit = new AuditLog(settings.stateDirectory()
                .map(d -> JsonLines.at(d.resolve(AUDIT_LOG)))
                .orElseGet(JsonLines::none));
        RetryCache retries = new RetryCache();
        Map<String, HandleTable> holders = new ConcurrentHashMap<>();
        ServerMetrics serverMetrics = new ServerMetrics(settings.instance(), settings.live());
        serverMetrics.stuckFrom(custody::stuckEntities);
        Service service = new Service(custody, settings, timeline, state, audit, serverMetrics, retries, holders);
        AutoCloseable subscription = await(custody.subscribe(service::published), settings);
        putBack(recovered, found, service, state, retries, holders);
        Optional<MetricsEndpoint> endpoint = Optional.empty();
        if (settings.metricsPort().isPresent()) {
            endpoint = Optional.of(MetricsEndpoint.start(settings.metricsPort().getAsInt(), serverMetrics));
        }
        ServerSocketChannel listener;
        try {
            listener = SocketFile.bind(settings.socket(), settings.policy().socketMode(), 512);
        } catch (IOException e) {
            endpoint.ifPresent(MetricsEndpoint::close);
            subscription.close();
            throw e;
        }
        LOG.info(
                "serving engine {} on {} (policy: {}, state: {})",
                settings.instance(),
                settings.socket(),
                settings.policy().source(),
                settings.stateDirectory().map(Path::toString).orElse("memory"));
        return new ControlServer(settings, service, listener, identity, subscription, state, endpoint, settled);
    }

    /**
     * Puts back what the previous run left, before any client connects: its answers for retries, the
     * answer from the journal of each request it sent and never answered ({@code found}), its named
     * holders, and the closing of the files of its connections, which died with it.
     */
    static void putBack(
            ServerRecovery.Recovered recovered,
            Map<String, JournalLookup.Found> found,
            Service service,
            StateLog state,
            RetryCache retries,
            Map<String, HandleTable> holders) {
        recovered.answers().forEach(retries::restore);
        for (ServerRecovery.Dangling dangling : recovered.dangling()) {
            Optional.ofNullable(found.get(dangling.operationId()))
                    .ifPresent(f -> answerFromJournal(dangling, f, recovered.tables(), state, retries));
        }
        for (HandleTable table : recovered.tables().values()) {
            if (table.released()) {
                continue;
            }
            if (table.isHolder()) {
                holders.put(table.key(), table);
                service.outAfterRestart(table);
            } else {
                // its connection died with the previous run: its files go, as a dead process's do
                List<FileId> closedFiles = service.release(table);
                LOG.info(
                        "closed {} files of {}, whose connection ended with the previous run",
                        closedFiles.size(),
                        table.key());
            }
        }
    }

    /**
     * A request the previous run sent to the engine and never recorded the answer of: the journal
     * holds its decision, so the answer is the pure rules' decision of the same command against the
     * state the journal held before it (the engine decides with those rules), checked against the
     * journaled events. Its names and files go back to its table, and a retry gets that answer.
     */
    private static void answerFromJournal(
            ServerRecovery.Dangling dangling,
            JournalLookup.Found found,
            Map<String, HandleTable> tables,
            StateLog state,
            RetryCache retries) {
        Command<?> command = Operations.read(dangling.op(), dangling.number(), dangling.step(), dangling.names());
        Decision decision = Operations.decide(found.before(), command);
        if (!decision.events().equals(found.events())) {
            LOG.warn(
                    "operation {} is decision {} in the journal, but deciding its request again gives other events;"
                            + " a retry will not be answered from the journal",
                    dangling.operationId(),
                    found.seq());
            return;
        }
        Step step = new Step(dangling.number(), dangling.op(), dangling.step());
        HandleTable table = tables.computeIfAbsent(dangling.table(), k -> new HandleTable(k, "(unknown)"));
        if (decision.outcome() instanceof Outcome.Ok<Reply> ok) {
            Handle created = switch (ok.value()) {
                case Reply.Created c -> c.handle();
                case Reply.Attached a -> a.hwpt();
                default -> null;
            };
            if (created instanceof Handle.File f && ok.value() instanceof Reply.Created) {
                table.opened(f.id());
                state.opened(table, f.id());
            }
            if (created != null) {
                step.as().ifPresent(name -> {
                    table.bind(name, created);
                    state.bound(table, name, created);
                });
            }
        }
        ObjectNode answer =
                StepAnswers.of(step, command, found.before(), decision, Optional.of(found.seq()), Optional.empty());
        RetryCache.Answer kept = new RetryCache.Answer(dangling.fingerprint(), answer);
        state.answered(dangling.operationId(), kept);
        retries.restore(dangling.operationId(), kept);
        LOG.info("operation {} was decision {}: its retry gets that answer", dangling.operationId(), found.seq());
    }

    private void accept() {
        while (!closing.get()) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException stopped) {
                return;
            } catch (IOException e) {
                if (!closing.get()) {
                    LOG.warn("accept failed: {}", e.getMessage());
                }
                continue;
            }
            Thread thread = Thread.ofVirtual().name("custody-serve-connection").unstarted(() -> {
                try {
                    serve(channel);
                } finally {
                    active.decrementAndGet();
                    serving.remove(Thread.currentThread());
                }
            });
            active.incrementAndGet();
            serving.add(thread);
            thread.start();
        }
    }

    private void serve(SocketChannel channel) {
        try (channel) {
            PeerCredentials peer;
            try {
                peer = identity.of(channel);
            } catch (IOException e) {
                refuse(channel, "EIO", "cannot read the caller's credentials: " + e.getMessage(), "server");
                return;
            }
            if (active.get() > settings.limits().maxConnections()) {
                service.metrics.refused("EAGAIN");
                refuse(
                        channel,
                        "EAGAIN",
                        "too many connections (the limit is "
                                + settings.limits().maxConnections() + ")",
                        "server");
                return;
            }
            Optional<Grant> grant = settings.policy().grantFor(peer, serverUser);
            if (grant.isEmpty()) {
                String reason = peer + " may not use this server (policy: "
                        + settings.policy().source() + ")";
                service.audit().connectionRefused(peer, reason);
                service.metrics.refused("EACCES");
                refuse(channel, "EACCES", reason, "policy");
                return;
            }
            if (closing.get()) {
                refuse(channel, "ESHUTDOWN", "the server is shutting down", "server");
                return;
            }
            new Connection(channel, service, settings.limits(), peer, grant.get())
                    .serve(Messages.greeting(settings.version(), settings.instance()));
        } catch (IOException | RuntimeException e) {
            LOG.debug("connection ended: {}", e.toString());
        }
    }

    private static void refuse(SocketChannel channel, String errorClass, String desc, String origin) {
        try {
            ByteBuffer bytes = ByteBuffer.wrap(Messages.line(Messages.error(errorClass, desc, origin, null)));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException gone) {
            // the client left before hearing why
        }
    }

    private void closeIdle() {
        long now = System.nanoTime();
        for (Client client : service.connections()) {
            if (client instanceof Connection connection && connection.closeIfIdle(now)) {
                LOG.info("{} ({}) was idle; disconnected", connection.key(), connection.peer());
            }
        }
    }

    /**
     * The entities that could not recover from their journals when serving began, each with its
     * persistence id and the journal's refusal: their decisions stay open, and the server serves on.
     */
    public List<StuckEntity> stuckAtStart() {
        return started.stuck();
    }

    public Path socket() {
        return settings.socket();
    }

    /** The Prometheus endpoint's port, when one was asked for. */
    public OptionalInt metricsPort() {
        return metrics.map(m -> OptionalInt.of(m.port())).orElseGet(OptionalInt::empty);
    }

    /** Where the server keeps its state log and audit log, if anywhere. */
    java.nio.file.Path stateDirectoryForTests() {
        return settings.stateDirectory().orElseThrow();
    }

    public int connections() {
        return service.connectionCount();
    }

    /** Waits until {@link #close} has finished. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /**
     * Stops as SIGTERM should: the socket goes (no new connections), requests already read are
     * answered and new ones refused, then every connection closes and its files are closed in order.
     * The engine itself is the caller's to stop.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            awaitQuietly();
            return;
        }
        try {
            listener.close();
            Files.deleteIfExists(settings.socket());
        } catch (IOException e) {
            LOG.warn("closing the socket: {}", e.getMessage());
        }
        service.drain();
        for (Client client : service.connections()) {
            if (client instanceof Connection connection) {
                connection.stopReading();
            }
        }
        long deadline = System.nanoTime() + settings.engineTimeout().toNanos();
        for (Thread thread : Set.copyOf(serving)) {
            try {
                thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            acceptor.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reaper.shutdownNow();
        metrics.ifPresent(MetricsEndpoint::close);
        try {
            subscription.close();
        } catch (Exception e) {
            LOG.debug("unsubscribing: {}", e.toString());
        }
        state.close();
        service.audit().close();
        closed.countDown();
    }

    /**
     * Stops as a SIGKILL would, for tests of what the next start puts back: the socket and every
     * connection go at once, nothing is released and nothing more is written to the state log.
     */
    void crash() {
        closing.set(true);
        service.crash();
        try {
            listener.close();
            Files.deleteIfExists(settings.socket());
        } catch (IOException ignored) {
            // a crash does not tidy up
        }
        for (Client client : service.connections()) {
            if (client instanceof Connection connection) {
                connection.close();
            }
        }
        reaper.shutdownNow();
        metrics.ifPresent(MetricsEndpoint::close);
        state.close();
        service.audit().close();
        closed.countDown();
    }

    private void awaitQuietly() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage, ServerSettings settings)
            throws Exception {
        return stage.toCompletableFuture().get(settings.engineTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }
}
