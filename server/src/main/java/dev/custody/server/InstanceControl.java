package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.EngineAdmin;
import dev.custody.entity.StuckEntity;
import dev.custody.model.state.KernelState;
import dev.custody.nativeio.libc.Libc;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The protocol of docs/protocol.md over one engine, for clients whose socket is somewhere else: on a
 * cluster, the node that holds an instance answers the clients that any node accepted. Each client is
 * a {@link Session} that takes request lines and gives its answers and events, in order, to a
 * consumer of lines; the transport (a relay between nodes) is the caller's. The answers are those of
 * {@link ControlServer}: the same operations, names, holders, policy, opids and events.
 *
 * <p>What {@link ControlServer} keeps in its state directory (holders, remembered answers, the files of
 * connections that died with the process) goes to the {@link StateRecords} it is started with: on a
 * cluster, a table of the shared database, so that the instance's next start, on whichever node, puts
 * it back as a restarted single server does (docs/cluster.md, "The control socket on a cluster node").
 * Started without one, it is kept in memory, and goes with this object.
 */
public final class InstanceControl implements AutoCloseable {
    private final ServerSettings settings;
    private final Service service;
    private final AutoCloseable subscription;
    private final Optional<String> node;
    private final StateLog state;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<StuckEntity> stuckAtStart;

    private InstanceControl(
            ServerSettings settings,
            Service service,
            AutoCloseable subscription,
            Optional<String> node,
            StateLog state,
            List<StuckEntity> stuckAtStart) {
        this.settings = settings;
        this.service = service;
        this.subscription = subscription;
        this.node = node;
        this.state = state;
        this.stuckAtStart = List.copyOf(stuckAtStart);
    }

    /**
     * Starts serving {@code custody}, an engine that has recovered its journal, under {@code settings}
     * (its instance, topology, policy, limits and engine timeout; not its socket, state directory,
     * metrics port or live host). {@code node}, when given, is named in the greeting: where the
     * instance runs now. Blocks until the engine has answered its state.
     */
    public static InstanceControl start(ServerSettings settings, EngineAdmin custody, Optional<String> node)
            throws Exception {
        return start(settings, custody, node, StateRecords.none());
    }

    /**
     * As {@link #start(ServerSettings, EngineAdmin, Optional)}, keeping its state log in {@code records}
     * (which it closes when it closes): what an earlier start on them left is put back first, as a
     * restarted single server puts back its state directory's log. The holders come back with their
     * names and files, the answers to opids are given again to their retries, and the files of the
     * connections that ended without closing them (they died with the earlier start's node) are closed
     * in order. A request the earlier start sent and never answered is looked up in the journal when
     * {@code settings} name a durable one ({@link ServerSettings#durableJournal}); else its retry is
     * decided under its opid, which the engine answers without deciding it twice.
     */
    public static InstanceControl start(
            ServerSettings settings, EngineAdmin custody, Optional<String> node, StateRecords records)
            throws Exception {
        if (settings.live().isPresent()) {
            records.close();
            throw new IllegalArgumentException("live host mode needs the engine's own process: use ControlServer");
        }
        try {
            return started(settings, custody, node, records);
        } catch (Exception | Error failed) {
            records.close();
            throw failed;
        }
    }

    private static InstanceControl started(
            ServerSettings settings, EngineAdmin custody, Optional<String> node, StateRecords records)
            throws Exception {
        ServerRecovery.Recovered recovered = ServerRecovery.read(records);
        Map<String, JournalLookup.Found> found = ServerRecovery.decidedInTheJournal(settings, recovered);
        // settled, not quiet: an entity stuck on a journal it cannot recover from is not waited for (the
        // engine has said so at WARN; stuckAtStart() and query-metrics name it)
        dev.custody.entity.Settled settled = await(custody.settle(), settings);
        KernelState initial = await(custody.state(), settings);
        Timeline timeline = new Timeline(initial, settled.lastSeq());
        Map<String, HandleTable> holders = new ConcurrentHashMap<>();
        StateLog state = new StateLog(records);
        RetryCache retries = new RetryCache();
        ServerMetrics metrics = new ServerMetrics(settings.instance(), Optional.empty());
        metrics.stuckFrom(custody::stuckEntities); // as a single server's: query-metrics names them
        Service service = new Service(
                custody, settings, timeline, state, new AuditLog(JsonLines.none()), metrics, retries, holders);
        AutoCloseable subscription = await(custody.subscribe(service::published), settings);
        ControlServer.putBack(recovered, found, service, state, retries, holders);
        return new InstanceControl(settings, service, subscription, node, state, settled.stuck());
    }

    /**
     * The entities that could not recover from their journals when serving began, each with its
     * persistence id and the journal's refusal: their decisions stay open, and the instance serves on.
     */
    public List<StuckEntity> stuckAtStart() {
        return stuckAtStart;
    }

    /**
     * A new client, {@code peer} as the kernel of the node it connected to recorded it, on a socket that
     * belongs to {@code socketOwner} (who may do everything, as on a single server). The first line
     * {@code out} gets is the greeting, or the policy's refusal: then there is no session.
     */
    public Optional<Session> open(PeerCredentials peer, String socketOwner, Consumer<String> out) {
        Optional<Grant> grant = settings.policy().grantFor(peer, socketOwner);
        if (grant.isEmpty()) {
            String reason = peer + " may not use this server (policy: "
                    + settings.policy().source() + ")";
            service.audit().connectionRefused(peer, reason);
            service.metrics.refused("EACCES");
            out.accept(Messages.text(Messages.error("EACCES", reason, "policy", null)));
            return Optional.empty();
        }
        if (closed.get() || service.draining()) {
            out.accept(Messages.text(Messages.error("ESHUTDOWN", "the server is shutting down", "server", null)));
            return Optional.empty();
        }
        Session session = new Session(peer, grant.get(), out);
        service.opened(session);
        out.accept(Messages.text(greeting()));
        return Optional.of(session);
    }

    private ObjectNode greeting() {
        ObjectNode greeting = Messages.greeting(settings.version(), settings.instance());
        ObjectNode body = (ObjectNode) greeting.get("custody");
        node.ifPresent(n -> body.put("node", n));
        return greeting;
    }

    /** How many sessions are open. */
    public int sessions() {
        return service.connectionCount();
    }

    /**
     * Stops as a single server does on SIGTERM: new requests are refused, and every session's files
     * are closed in order. Its sessions' consumers hear nothing more; telling their clients why is the
     * transport's. The engine itself is the caller's to stop.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        service.drain();
        for (Client client : List.copyOf(service.connections())) {
            if (client instanceof Session session) {
                session.close();
            }
        }
        try {
            subscription.close();
        } catch (Exception ignored) {
            // the engine is stopping as well
        }
        state.close();
    }

    /**
     * Stops as a dead process does, for a node stopping without handing its instances off: nothing is
     * released and nothing more is kept, so the instance's next start closes its sessions' files.
     */
    public void abandon() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        service.crash();
        try {
            subscription.close();
        } catch (Exception ignored) {
            // the engine is stopping as well
        }
        state.close();
    }

    /** One client: its requests are answered one after another, by {@link #answer}, in the order given. */
    public final class Session extends ClientBase {
        private final Consumer<String> out;
        private final AtomicBoolean ended = new AtomicBoolean();

        private Session(PeerCredentials peer, Grant grant, Consumer<String> out) {
            super(service, peer, grant);
            this.out = out;
        }

        /**
         * Answers one request line (without its newline): the answer goes to the consumer, after any
         * event the request caused. Blocks while the engine decides; call it from one thread at a time.
         */
        public void answer(String line) {
            if (line.isBlank()) {
                return;
            }
            if (ended.get()) {
                out.accept(Messages.text(Messages.error("ESHUTDOWN", "the session has ended", "server", null)));
                return;
            }
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > settings.limits().maxLineBytes()) {
                out.accept(Messages.text(Messages.error(
                        "EMSGSIZE",
                        "a request line is limited to " + settings.limits().maxLineBytes() + " bytes",
                        "server",
                        null)));
                return;
            }
            ObjectNode answer = service.answer(this, bytes, bytes.length);
            if (answer != null) {
                send(answer);
            }
        }

        /** The client is gone: its files are closed in order, as the kernel closes a dead process's fds. */
        public void close() {
            if (ended.compareAndSet(false, true)) {
                service.closed(this);
            }
        }

        @Override
        public void send(JsonNode message) {
            if (!ended.get()) {
                out.accept(Messages.text(message));
            }
        }

        /** Never asked for: descriptors need live host mode, which a session's server never has. */
        @Override
        public void handOver(JsonNode answer, int[] descriptors) {
            for (int fd : descriptors) {
                Libc.close(fd);
            }
            send(Messages.error(
                    "EOPNOTSUPP", "descriptors cannot be handed over from another node", "server", answer.get("id")));
        }
    }

    private static <T> T await(CompletionStage<T> stage, ServerSettings settings) throws Exception {
        return stage.toCompletableFuture().get(settings.engineTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }
}
