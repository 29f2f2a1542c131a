package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.EngineAdmin;
import dev.custody.api.OwnershipChange;
import dev.custody.model.Command;
import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.ops.Operation;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.scenario.ScenarioException;
import dev.custody.scenario.ScenarioParser;
import dev.custody.scenario.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers requests: every operation of the catalogue, read as a scenario step and decided by the
 * engine, and the server's own commands (docs/protocol.md). Shared by all connections; each request
 * is answered on its connection's thread.
 */
final class Service {
    private static final Logger LOG = LoggerFactory.getLogger(Service.class);
    /** Requests are read as steps of a file of this name in validation messages, which the answer strips. */
    private static final String SOURCE = "request";

    private static final ObjectMapper CANONICAL =
            new ObjectMapper().configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true);

    private final EngineAdmin custody;
    private final ServerSettings settings;
    private final Timeline timeline;
    private final StateLog state;
    private final AuditLog audit;
    private final RefusalRecorder refusals;
    final ServerMetrics metrics;
    private final RetryCache retries;
    private final PendingCalls pending = new PendingCalls();
    private final Map<String, HandleTable> holders;
    private final Map<Client, Boolean> connections = new ConcurrentHashMap<>();
    private final String boot = Long.toString(System.currentTimeMillis(), 36);
    private final AtomicLong internalOperations = new AtomicLong();
    private final AtomicLong connectionNumbers = new AtomicLong();
    private final Instant started = Instant.now();
    private volatile boolean draining;
    private volatile boolean crashed;

    Service(
            EngineAdmin custody,
            ServerSettings settings,
            Timeline timeline,
            StateLog state,
            AuditLog audit,
            ServerMetrics metrics,
            RetryCache retries,
            Map<String, HandleTable> holders) {
        this.custody = custody;
        this.settings = settings;
        this.timeline = timeline;
        this.state = state;
        this.audit = audit;
        this.refusals = audit;
        this.metrics = metrics;
        this.retries = retries;
        this.holders = holders;
    }

    // ---- connections ----

    String nextConnectionKey() {
        return "connection:" + boot + ":" + connectionNumbers.incrementAndGet();
    }

    HandleTable connectionTable(String key, PeerCredentials peer) {
        HandleTable table = new HandleTable(key, peer.user());
        state.table(table);
        return table;
    }

    void opened(Client connection) {
        connections.put(connection, Boolean.TRUE);
        metrics.connections.incrementAndGet();
    }

    /** The connection is gone: its files are closed in order, as the kernel closes a dead process's fds. */
    void closed(Client connection) {
        if (connections.remove(connection) != null) {
            metrics.connections.decrementAndGet();
        }
        if (!crashed) {
            release(connection.table());
        }
    }

    /** A test's stand-in for SIGKILL: connections that end from now on release nothing. */
    void crash() {
        crashed = true;
        draining = true;
    }

    int connectionCount() {
        return connections.size();
    }

    java.util.Collection<Client> connections() {
        return connections.keySet();
    }

    void drain() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }

    AuditLog audit() {
        return audit;
    }

    // ---- the engine's publication ----

    /** Every journaled decision, in journal order: the timeline first, then the subscribers. */
    void published(OwnershipChange change) {
        timeline.published(change);
        ObjectNode event = null;
        for (Client connection : connections.keySet()) {
            if (connection.subscribed()) {
                if (event == null) {
                    event = Messages.event("DECISION", EventJson.decision(change), Instant.now());
                }
                connection.send(event);
            }
        }
    }

    // ---- requests ----

    /**
     * The answer to one request line, with its id; never throws for anything the client sent. Null when
     * the answer is queued on the connection already (with descriptors: holder.take-descriptors).
     */
    ObjectNode answer(Client connection, byte[] line, int length) {
        long start = System.nanoTime();
        Request request;
        try {
            request = Request.parse(line, length);
        } catch (ProtocolError error) {
            metrics.refused(error.errorClass());
            return error.message();
        }
        ObjectNode answer;
        try {
            answer = execute(connection, request);
        } catch (ProtocolError error) {
            metrics.refused(error.errorClass());
            audit.answered(
                    caller(connection, request),
                    request.execute(),
                    request.opid(),
                    error.errorClass(),
                    error.origin(),
                    Optional.empty());
            answer = error.message();
        } catch (RuntimeException bug) {
            LOG.error("request {} failed", request.execute(), bug);
            answer = Messages.error("EIO", "the server failed: " + bug, "server", request.id());
        }
        metrics.answered(Duration.ofNanos(System.nanoTime() - start));
        return answer;
    }

    private ObjectNode execute(Client connection, Request request) {
        if (draining) {
            throw new ProtocolError("ESHUTDOWN", "the server is shutting down", "server", request.id());
        }
        return switch (request.execute()) {
            case "query-status" -> withId(queryStatus(), request);
            case "query-state" -> withId(queryState(), request);
            case "query-metrics" -> {
                metrics.awaitStuck(settings.engineTimeout());
                yield withId(Messages.ok(metrics.json(), null), request);
            }
            case "query-operations" -> withId(queryOperations(), request);
            case "subscribe" -> {
                connection.subscribe(true);
                yield withId(Messages.ok(Messages.NODES.objectNode(), null), request);
            }
            case "unsubscribe" -> {
                connection.subscribe(false);
                yield withId(Messages.ok(Messages.NODES.objectNode(), null), request);
            }
            case "holder.release" -> holderRelease(connection, request);
            case "holder.take-descriptors" -> takeDescriptors(connection, request);
            case "holder.give-back-descriptors" -> giveBack(connection, request);
            case "holder.descriptors-closed" -> descriptorsClosed(connection, request);
            default -> operation(connection, request);
        };
    }

    private static ObjectNode withId(ObjectNode answer, Request request) {
        if (request.id() != null) {
            answer.set("id", request.id());
        }
        return answer;
    }

    private ObjectNode queryStatus() {
        ObjectNode body = Messages.NODES.objectNode();
        body.put("ready", !draining);
        body.put("instance", settings.instance());
        body.put("lastDecision", timeline.lastSeq());
        body.put("uptimeSeconds", Duration.between(started, Instant.now()).toSeconds());
        body.put("connections", connections.size());
        return Messages.ok(body, null);
    }

    private ObjectNode queryState() {
        KernelState now = await(custody.state(), "the engine's state");
        return Messages.ok((ObjectNode) EventJson.json(settings.stateView().apply(now)), null);
    }

    private static ObjectNode queryOperations() {
        ObjectNode body = Messages.NODES.objectNode();
        ArrayNode list = body.putArray("operations");
        for (Operation<?> operation : Operations.all()) {
            ObjectNode op = list.addObject();
            op.put("name", operation.name());
            op.put("caller", operation.caller().name());
            ArrayNode args = op.putArray("arguments");
            operation
                    .args()
                    .forEach(a -> args.addObject()
                            .put("name", a.name())
                            .put("kind", a.kind().name())
                            .put("required", a.required()));
        }
        return Messages.ok(body, null);
    }

    private ObjectNode holderRelease(Client connection, Request request) {
        mayAct(connection, request);
        String name = request.holder()
                .or(() -> Optional.ofNullable(request.arguments().get("holder"))
                        .filter(JsonNode::isTextual)
                        .map(JsonNode::textValue))
                .orElseThrow(() -> ProtocolError.invalid("holder.release needs \"holder\": NAME", request.id()));
        HandleTable table = holders.get(HandleTable.HOLDER_PREFIX + name);
        if (table == null) {
            throw new ProtocolError("ENOENT", "no holder named \"" + name + "\"", "server", request.id());
        }
        if (!table.owner().equals(connection.peer().user())
                && !connection.grant().allGroups()) {
            throw ProtocolError.denied("holder \"" + name + "\" belongs to user " + table.owner(), request.id());
        }
        List<FileId> closed;
        table.lock.lock(); // held through the release (it takes the lock again), so nothing is handed out between
        try {
            Optional<String> busy = TakeBack.releaseBusy(table);
            if (busy.isPresent()) {
                throw new ProtocolError("EBUSY", busy.get(), "server", request.id());
            }
            closed = release(table);
        } finally {
            table.lock.unlock();
        }
        holders.remove(table.key(), table);
        ObjectNode body = Messages.NODES.objectNode();
        ArrayNode files = body.putArray("closed");
        closed.forEach(f -> files.add(f.number()));
        audit.answered(caller(connection, request), "holder.release", request.opid(), "ok", "server", Optional.empty());
        return withId(Messages.ok(body, null), request);
    }

    /**
     * The real descriptors live host mode holds for the files of the holder the request names (else of
     * this connection), queued on the connection with the answer as SCM_RIGHTS; null, since the answer
     * is queued already. A holder's files are a capability of its owner: another user is refused EPERM,
     * audited as a denial, whatever the policy grants.
     */
    private ObjectNode takeDescriptors(Client connection, Request request) {
        mayAct(connection, request);
        Optional<String> none =
                HandOver.unavailable(settings.live()).or(dev.custody.nativeio.libc.ChannelDescriptors::unavailable);
        if (none.isPresent()) {
            throw new ProtocolError("EOPNOTSUPP", none.get(), "server", request.id());
        }
        HandleTable table = connection.table();
        if (request.holder().isPresent()) {
            String name = request.holder().get();
            table = holders.get(HandleTable.HOLDER_PREFIX + name);
            if (table == null) {
                throw new ProtocolError("ENOENT", "no holder named \"" + name + "\"", "server", request.id());
            }
            if (!table.owner().equals(connection.peer().user())) {
                String reason = "holder \"" + name + "\" belongs to user " + table.owner()
                        + "; only its holder may take its descriptors";
                refusals.refused(
                        caller(connection, request), request.execute(), request.opid(), "EPERM", "server", reason);
                throw new ProtocolError("EPERM", reason, "server", request.id());
            }
        }
        List<String> names = new ArrayList<>();
        JsonNode asked = request.arguments().get("names");
        if (asked != null && !(asked.isArray() && allText(asked))) {
            throw ProtocolError.invalid("arguments.names: a list of the names of files to take", request.id());
        }
        if (asked != null) {
            asked.forEach(n -> names.add(n.textValue()));
        }
        HandOver.Taken taken = null;
        boolean queued = false;
        try { // the duplicates are the server's until they are queued: closed on every other path
            table.lock.lock();
            try {
                if (table.released()) {
                    throw new ProtocolError(
                            "ENOENT", "holder " + table.key() + " was released", "server", request.id());
                }
                taken = HandOver.take(settings.live().orElseThrow(), table, names, timeline.current(), request.id());
                if (table.isHolder()) {
                    handedOut(table, taken, request);
                }
            } finally {
                table.lock.unlock();
            }
            metrics.handedOver.addAndGet(taken.descriptors().length);
            audit.answered(
                    caller(connection, request), request.execute(), request.opid(), "ok", "server", Optional.empty());
            connection.handOver(withId(Messages.ok(taken.body(), null), request), taken.descriptors());
            queued = true;
        } finally {
            if (!queued && taken != null) {
                for (int fd : taken.descriptors()) {
                    dev.custody.nativeio.libc.Libc.close(fd);
                }
            }
        }
        return null;
    }

    /**
     * Records each file of a holder whose descriptor is about to go to its process, with fstat's identity
     * of it, in the state log before the descriptors are sent: a restart then keeps the file open for
     * that process, and a descriptor given back is matched against the identity. A descriptor that
     * cannot be read refuses the whole request (the caller closes the duplicates). A record that cannot
     * be written refuses it too: the files recorded out before it are recorded back where the log
     * takes it (else they stay out, and the owner says they were closed: holder.descriptors-closed).
     */
    private void handedOut(HandleTable table, HandOver.Taken taken, Request request) {
        List<dev.custody.nativeio.libc.FileIdentity> identities = new ArrayList<>();
        for (int i = 0; i < taken.descriptors().length; i++) {
            dev.custody.nativeio.libc.FileIdentity.Read read =
                    dev.custody.nativeio.libc.FileIdentity.of(taken.descriptors()[i]);
            if (read.identity().isEmpty()) {
                throw new ProtocolError(
                        "EBADF",
                        table.describe(taken.files().get(i)) + ": its descriptor cannot be read (fstat: "
                                + dev.custody.nativeio.libc.ErrnoNames.of(read.errno())
                                + "); nothing was handed over",
                        "server",
                        request.id());
            }
            identities.add(read.identity().get());
        }
        int recorded = 0;
        try {
            for (; recorded < identities.size(); recorded++) {
                state.handedOut(table, taken.files().get(recorded), identities.get(recorded));
                table.handedOut(taken.files().get(recorded), identities.get(recorded), true);
            }
        } catch (RuntimeException unrecorded) {
            for (int i = 0; i < recorded; i++) {
                FileId file = taken.files().get(i);
                try {
                    state.back(table, file, "not handed out: the state log failed");
                    table.back(file);
                } catch (RuntimeException stillOut) {
                    unrecorded.addSuppressed(stillOut);
                    LOG.warn(
                            "{} of holder {} stays recorded out though it was never sent",
                            table.describe(file),
                            table.holderName(),
                            stillOut);
                }
            }
            throw unrecorded;
        }
    }

    /**
     * {@code holder.give-back-descriptors}: the holder's process gives back the descriptors of files it
     * took. The server checks the request, tells the client to send them ({@code send-descriptors}),
     * reads them (one byte with SCM_RIGHTS) and matches each to its file by fstat's identity; all or
     * nothing. A file the engine still holds its own descriptor for keeps that one (the one given back
     * is closed); one it holds none for since it restarted takes the one given back.
     */
    private ObjectNode giveBack(Client connection, Request request) {
        HandleTable table = ownHolder(connection, request, true);
        Optional<String> unreadable = dev.custody.nativeio.libc.ChannelDescriptors.unavailable();
        if (unreadable.isPresent()) { // as take-descriptors: checked before the client is told to send
            throw new ProtocolError("EOPNOTSUPP", unreadable.get(), "server", request.id());
        }
        List<FileId> files;
        table.lock.lock();
        try {
            if (table.released()) {
                throw new ProtocolError("ENOENT", "holder " + table.key() + " was released", "server", request.id());
            }
            files = TakeBack.named(table, request);
        } finally {
            table.lock.unlock();
        }
        connection.send(TakeBack.ready(files.size(), request.id()));
        int[] descriptors =
                TakeBack.arrived(connection.receiveDescriptors(TakeBack.WAIT_MILLIS), files.size(), request.id());
        ObjectNode body = Messages.NODES.objectNode();
        ArrayNode list = body.putArray("given-back");
        List<String> notTaken = new ArrayList<>();
        int handled = 0; // descriptors[0..handled) are closed or the host's; the rest are closed on the way out
        table.lock.lock();
        try {
            TakeBack.match(table, files, descriptors, settings.live().orElseThrow(), request.id());
            for (int i = 0; i < files.size(); i++) {
                FileId file = files.get(i);
                HandleTable.Out out = table.out(file).orElseThrow();
                boolean engineHeld = out.engineHolds();
                int given = descriptors[i];
                handled = i + 1;
                if (engineHeld) {
                    dev.custody.nativeio.libc.Libc.close(given); // the engine keeps its own
                } else {
                    int adopted = settings.live().orElseThrow().adopt(file, given);
                    if (adopted < 0) {
                        dev.custody.nativeio.libc.Libc.close(given);
                        notTaken.add(
                                table.describe(file) + " (" + dev.custody.nativeio.libc.ErrnoNames.of(-adopted) + ")");
                        continue;
                    }
                    // the engine holds it now, whether or not the record below can be written
                    table.handedOut(file, out.identity(), true);
                }
                state.back(table, file, "given back");
                table.back(file);
                list.addObject()
                        .put("file", file.number())
                        .put("name", table.describe(file))
                        .put("engineHeld", engineHeld);
            }
        } finally {
            table.lock.unlock();
            for (int i = handled; i < descriptors.length; i++) {
                dev.custody.nativeio.libc.Libc.close(descriptors[i]);
            }
        }
        if (!notTaken.isEmpty()) {
            throw new ProtocolError(
                    "EIO",
                    "the host did not take the descriptors of " + String.join(", ", notTaken)
                            + "; those stay out with the holder's process, the others were given back: " + list,
                    "server",
                    request.id());
        }
        metrics.givenBack.addAndGet(files.size());
        audit.answered(
                caller(connection, request), request.execute(), request.opid(), "ok", "server", Optional.empty());
        return withId(Messages.ok(body, null), request);
    }

    /**
     * {@code holder.descriptors-closed}: the holder's process says it closed its copies of the files. One
     * the engine still holds is simply no longer out; one it holds none for since it restarted had its
     * last descriptor closed, so the kernel released it, and the model follows as a change seen on the
     * host (nothing is carried out).
     */
    private ObjectNode descriptorsClosed(Client connection, Request request) {
        HandleTable table = ownHolder(connection, request, false);
        ObjectNode body = Messages.NODES.objectNode();
        ArrayNode back = body.putArray("back");
        ArrayNode closedInModel = body.putArray("closedInModel");
        table.lock.lock();
        try {
            if (table.released()) {
                throw new ProtocolError("ENOENT", "holder " + table.key() + " was released", "server", request.id());
            }
            for (FileId file : TakeBack.named(table, request)) {
                HandleTable.Out out = table.out(file).orElseThrow();
                if (!out.engineHolds()) {
                    String name = table.describe(file);
                    dev.custody.rules.Decision closed = await(
                            custody.observe(new dev.custody.entity.HostPort.Observation(
                                    new Command.Close(new Handle.File(file)),
                                    "holder " + table.holderName() + "'s process closed its copy of " + name
                                            + ", the last one (the engine held none since it restarted): the kernel"
                                            + " released it",
                                    now -> now.file(file).map(OpenFile::fdOpen).orElse(false))),
                            "the engine's decision to close " + name);
                    if (!closed.outcome().isOk()) {
                        throw new ProtocolError(
                                closed.outcome().resultName(),
                                "the model cannot close " + name + ": "
                                        + closed.outcome()
                                                .explanation()
                                                .orElse(closed.outcome().resultName()),
                                "kernel",
                                request.id());
                    }
                    closedInModel.add(file.number());
                }
                state.back(table, file, "closed by its process");
                table.back(file);
                back.add(file.number());
            }
        } finally {
            table.lock.unlock();
        }
        audit.answered(
                caller(connection, request), request.execute(), request.opid(), "ok", "server", Optional.empty());
        return withId(Messages.ok(body, null), request);
    }

    /**
     * The holder a give-back request names, checked: a holder that exists, the caller its owner (another
     * user: EPERM, audited, whatever the policy grants) and, where descriptors are to come
     * ({@code receives}), live host mode with real descriptors. Saying the copies were closed needs
     * none: after a start without --host on the state of a live one, it is how a file left out is closed.
     */
    private HandleTable ownHolder(Client connection, Request request, boolean receives) {
        mayAct(connection, request);
        Optional<String> none = receives ? HandOver.unavailable(settings.live()) : Optional.empty();
        if (none.isPresent()) {
            throw new ProtocolError("EOPNOTSUPP", none.get(), "server", request.id());
        }
        String name = request.holder()
                .orElseThrow(() -> ProtocolError.invalid(
                        request.execute() + " needs \"holder\": NAME, the holder that took the descriptors",
                        request.id()));
        HandleTable table = holders.get(HandleTable.HOLDER_PREFIX + name);
        if (table == null) {
            throw new ProtocolError("ENOENT", "no holder named \"" + name + "\"", "server", request.id());
        }
        if (!table.owner().equals(connection.peer().user())) {
            String reason = "holder \"" + name + "\" belongs to user " + table.owner()
                    + "; only its holder may give its descriptors back";
            refusals.refused(caller(connection, request), request.execute(), request.opid(), "EPERM", "server", reason);
            throw new ProtocolError("EPERM", reason, "server", request.id());
        }
        return table;
    }

    /**
     * After a restart: a file the state log says is out with a holder's process, and the model shows
     * open, waits for that process (the engine holds no descriptor for it); one the model shows closed
     * (a start that was not told it was out closed it) is no longer out.
     */
    void outAfterRestart(HandleTable table) {
        for (FileId file : List.copyOf(table.out().keySet())) {
            if (timeline.current().file(file).map(OpenFile::fdOpen).orElse(false)) {
                LOG.info(
                        "{} of holder {} is out with its process: it waits to be given back or said closed",
                        table.describe(file),
                        table.holderName());
            } else {
                LOG.warn(
                        "{} of holder {} was out with its process, but the engine closed it at start",
                        table.describe(file),
                        table.holderName());
                state.back(table, file, "closed at start");
                table.back(file);
            }
        }
    }

    private static boolean allText(JsonNode list) {
        for (JsonNode item : list) {
            if (!item.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private void mayAct(Client connection, Request request) {
        if (!connection.grant().act()) {
            String reason = "this user " + connection.grant().describe() + "; " + request.execute() + " acts";
            refusals.refused(caller(connection, request), request.execute(), request.opid(), reason);
            metrics.refused("EACCES");
            throw ProtocolError.denied(reason, request.id());
        }
    }

    /** An operation of the catalogue, read as a scenario step would be, decided by the engine. */
    private ObjectNode operation(Client connection, Request request) {
        Operation<?> operation = Operations.find(request.execute())
                .orElseThrow(() -> new ProtocolError(
                        "ENOSYS",
                        "unknown operation \"" + request.execute() + "\" (query-operations lists them)",
                        "server",
                        request.id()));
        mayAct(connection, request);
        HandleTable table =
                request.holder().map(name -> holder(name, connection, request)).orElse(connection.table());
        Optional<String> operationId = request.opid().map(o -> operationId(connection.peer(), o));
        String fingerprint = fingerprint(request);
        if (operationId.isPresent()) {
            Optional<ObjectNode> earlier = earlierAnswer(operationId.get(), fingerprint, request);
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        boolean remembered = false;
        table.lock.lock();
        try {
            if (table.released()) {
                throw new ProtocolError("ENOENT", "holder " + table.key() + " was released", "server", request.id());
            }
            ObjectNode node = request.arguments().deepCopy();
            for (String reserved : List.of("op", "as")) {
                if (node.has(reserved)) {
                    throw ProtocolError.invalid(
                            "\"" + reserved + "\" is a request member, not an argument", request.id());
                }
            }
            node.put("op", operation.name());
            request.as().ifPresent(as -> node.put("as", as));
            namesOnlyItsOwn(operation, node, table, request);
            int number = connection.nextStepNumber();
            Step step;
            try {
                step = ScenarioParser.validateStep(
                        SOURCE, settings.topology(), table.names().keySet(), number, node);
            } catch (ScenarioException invalid) {
                throw ProtocolError.invalid(argumentProblem(invalid), request.id());
            }
            Command<?> command = Operations.read(operation.name(), number, node, table.names());
            TakeBack.checkUse(table, command, referenced(operation, node, table), request.id());
            Optional<String> refused = Policy.refusal(connection.grant(), operation, command, timeline.current());
            if (refused.isPresent()) {
                refusals.refused(caller(connection, request), request.execute(), operationId, refused.get());
                metrics.refused("EACCES");
                throw ProtocolError.denied(refused.get(), request.id());
            }
            operationId.ifPresent(id -> state.intent(id, table, operation.name(), number, node, fingerprint));
            String engineId = operationId.orElseGet(this::internalOperationId);
            DecisionEvent jfr = new DecisionEvent();
            jfr.begin();
            Decided decided;
            try {
                decided = decide(command, engineId, connection, request.id(), operation.name());
            } catch (EngineFailure failure) {
                operationId.ifPresent(retries::forget);
                remembered = true;
                throw new ProtocolError("EIO", failure.getMessage(), "server", request.id());
            }
            bind(table, step, decided.decision().outcome());
            ObjectNode answer = StepAnswers.of(
                    step, command, decided.before(), decided.decision(), decided.seq(), completes(connection, decided));
            operationId.ifPresent(id -> {
                RetryCache.Answer kept = new RetryCache.Answer(fingerprint, answer.deepCopy());
                state.answered(id, kept);
                retries.remember(id, kept);
            });
            remembered = true;
            String result = StepAnswers.result(answer);
            metrics.decided(result, decided.seq().isPresent(), decided.nanos());
            audit.answered(caller(connection, request), operation.name(), operationId, result, "kernel", decided.seq());
            jfr.operation = operation.name();
            jfr.result = result;
            jfr.operationId = engineId;
            jfr.user = connection.peer().user();
            jfr.seq = decided.seq().orElse(0L);
            jfr.commit();
            notifyCompleted(decided, connection, request.id());
            return withId(answer, request);
        } finally {
            table.lock.unlock();
            if (!remembered) {
                operationId.ifPresent(retries::forget);
            }
        }
    }

    /**
     * A name in an argument that refers to a file or object is looked up in this table alone, as an
     * fd number means something only in its own process: a name the table does not hold (another
     * connection's, a released one, one whose opening failed) is EBADF. A number names nothing
     * either, and the kernel's rules answer it so.
     */
    private static void namesOnlyItsOwn(Operation<?> operation, ObjectNode node, HandleTable table, Request request) {
        for (var arg : operation.args()) {
            JsonNode given = node.get(arg.name());
            boolean reference =
                    arg.kind() == dev.custody.ops.ArgKind.REF || arg.kind() == dev.custody.ops.ArgKind.NULLABLE_REF;
            // a list of references (a hot reset's group fds) is checked name by name
            List<JsonNode> values = new ArrayList<>();
            if (given != null && arg.kind() == dev.custody.ops.ArgKind.REFS) {
                given.forEach(values::add);
                reference = true;
            } else if (given != null) {
                values.add(given);
            }
            for (JsonNode value : values) {
                checkOwnName(arg.name(), value, reference, table, request);
            }
        }
    }

    /** The handles the request's reference arguments name in {@code table}. */
    private static List<Handle> referenced(Operation<?> operation, ObjectNode node, HandleTable table) {
        List<Handle> handles = new ArrayList<>();
        for (var arg : operation.args()) {
            JsonNode given = node.get(arg.name());
            if (given == null) {
                continue;
            }
            List<JsonNode> values = new ArrayList<>();
            if (arg.kind() == dev.custody.ops.ArgKind.REFS) {
                given.forEach(values::add);
            } else if (arg.kind() == dev.custody.ops.ArgKind.REF
                    || arg.kind() == dev.custody.ops.ArgKind.NULLABLE_REF) {
                values.add(given);
            }
            for (JsonNode value : values) {
                if (value.isTextual() && table.names().containsKey(value.textValue())) {
                    handles.add(table.names().get(value.textValue()));
                }
            }
        }
        return handles;
    }

    private static void checkOwnName(
            String field, JsonNode value, boolean reference, HandleTable table, Request request) {
        if (reference && value != null && value.isTextual() && !table.names().containsKey(value.textValue())) {
            throw new ProtocolError(
                    "EBADF",
                    "arguments." + field + ": \"" + value.textValue() + "\" names nothing "
                            + (table.isHolder()
                                    ? "holder " + table.key().substring(HandleTable.HOLDER_PREFIX.length())
                                    : "this connection")
                            + " opened",
                    "server",
                    request.id());
        }
    }

    /** A retry's answer, the one given the first time; empty when this is the first time. */
    private Optional<ObjectNode> earlierAnswer(String operationId, String fingerprint, Request request) {
        RetryCache.Lookup lookup = retries.claim(operationId);
        RetryCache.Answer answer = switch (lookup) {
            case RetryCache.Known known -> known.answer();
            case RetryCache.Running running -> {
                try {
                    yield running.answer().get(settings.engineTimeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ProtocolError("EINTR", "interrupted", "server", request.id());
                } catch (ExecutionException | TimeoutException e) {
                    throw new ProtocolError(
                            "EAGAIN", "the first request with this opid is still running", "server", request.id());
                }
            }
            case RetryCache.Proceed proceed -> null;
        };
        if (lookup instanceof RetryCache.Running && answer == null) {
            // the first one failed in the engine and was forgotten: this one runs it again
            return earlierAnswer(operationId, fingerprint, request);
        }
        if (answer == null) {
            return Optional.empty();
        }
        if (!answer.fingerprint().equals(fingerprint)) {
            throw new ProtocolError(
                    "EEXIST",
                    "opid \"" + request.opid().orElseThrow() + "\" was used for another request",
                    "server",
                    request.id());
        }
        return Optional.of(withId(answer.message().deepCopy(), request));
    }

    /** What a decision came to, with the state it was taken against and its journal number. */
    record Decided(
            Decision decision, KernelState before, Optional<Long> seq, List<PendingCalls.Call> completed, long nanos) {}

    /** The engine could not decide or journal the operation: it may or may not have happened. */
    static final class EngineFailure extends Exception {
        EngineFailure(String message) {
            super(message, null, false, false);
        }
    }

    private Decided decide(Command<?> command, String operationId, Client connection, JsonNode id, String op)
            throws EngineFailure {
        CompletableFuture<Timeline.Before> published = timeline.expect(operationId);
        long start = System.nanoTime();
        metrics.deciding.incrementAndGet();
        Decision decision;
        try {
            decision = custody.decide(command, operationId)
                    .toCompletableFuture()
                    .get(settings.engineTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            timeline.abandoned(operationId);
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new EngineFailure("the engine did not decide " + op + ": " + cause.getMessage()
                    + "; it may or may not have happened (retry with the same opid to find out)");
        } catch (InterruptedException e) {
            timeline.abandoned(operationId);
            Thread.currentThread().interrupt();
            throw new EngineFailure("interrupted while the engine decided " + op);
        } finally {
            metrics.deciding.decrementAndGet();
        }
        long nanos = System.nanoTime() - start;
        boolean journaled = !decision.events().isEmpty();
        timeline.answered(operationId, journaled, decision.state());
        Timeline.Before before;
        if (journaled) {
            try {
                before = published.get(settings.engineTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                timeline.abandoned(operationId);
                throw new EngineFailure("decision of " + op + " was answered but not published in time");
            } catch (InterruptedException e) {
                timeline.abandoned(operationId);
                Thread.currentThread().interrupt();
                throw new EngineFailure("interrupted while waiting for the publication of " + op);
            }
        } else {
            before = new Timeline.Before(decision.state(), 0);
        }
        List<PendingCalls.Call> completed = pending.update(decision.events(), before.state(), connection, id, op);
        return new Decided(
                decision, before.state(), journaled ? Optional.of(before.seq()) : Optional.empty(), completed, nanos);
    }

    /** The calls of this connection the decision let finish, as {@code scenario run} writes {@code completes}. */
    private static Optional<JsonNode> completes(Client connection, Decided decided) {
        List<JsonNode> ids = decided.completed().stream()
                .filter(c -> c.connection() == connection && c.id() != null)
                .map(PendingCalls.Call::id)
                .toList();
        if (ids.isEmpty()) {
            return Optional.empty();
        }
        if (ids.size() == 1) {
            return Optional.of(ids.getFirst());
        }
        ArrayNode list = Messages.NODES.arrayNode();
        ids.forEach(list::add);
        return Optional.of(list);
    }

    /** Each completed call's connection hears of it, whoever let it finish. */
    private void notifyCompleted(Decided decided, Client by, JsonNode byId) {
        for (PendingCalls.Call call : decided.completed()) {
            ObjectNode data = Messages.NODES.objectNode();
            if (call.id() != null) {
                data.set("id", call.id());
            }
            data.put("op", call.op());
            data.put("device", call.device().name());
            decided.seq().ifPresent(s -> data.put("seq", s));
            data.put("byThisConnection", call.connection() == by);
            call.connection().send(Messages.event("COMPLETED", data, Instant.now()));
        }
    }

    private void bind(HandleTable table, Step step, Outcome<Reply> outcome) {
        if (!(outcome instanceof Outcome.Ok<Reply> ok)) {
            return;
        }
        Handle created = switch (ok.value()) {
            case Reply.Created c -> c.handle();
            case Reply.Attached a -> a.hwpt();
            default -> null;
        };
        if (created == null) {
            return;
        }
        if (created instanceof Handle.File f && ok.value() instanceof Reply.Created) {
            table.opened(f.id());
            state.opened(table, f.id());
        }
        step.as().ifPresent(name -> {
            table.bind(name, created);
            state.bound(table, name, created);
        });
    }

    /** Closes every file of the table that is still open, in ascending order; the table is then gone. */
    List<FileId> release(HandleTable table) {
        List<FileId> closed = new ArrayList<>();
        table.lock.lock();
        try {
            if (table.released()) {
                return closed;
            }
            for (FileId file : table.files()) {
                boolean open =
                        timeline.current().file(file).map(OpenFile::fdOpen).orElse(false);
                if (!open) {
                    continue;
                }
                try {
                    Decided decided = decide(
                            new Command.Close(new Handle.File(file)), internalOperationId(), null, null, "close");
                    if (decided.decision().outcome().isOk()) {
                        closed.add(file);
                    }
                    notifyCompleted(decided, null, null);
                } catch (EngineFailure failure) {
                    LOG.warn("could not close {} of {}: {}", file, table.key(), failure.getMessage());
                }
            }
            table.markReleased();
            state.released(table);
        } finally {
            table.lock.unlock();
        }
        return closed;
    }

    private HandleTable holder(String name, Client connection, Request request) {
        String key = HandleTable.HOLDER_PREFIX + name;
        HandleTable table = holders.computeIfAbsent(key, k -> {
            HandleTable created = new HandleTable(k, connection.peer().user());
            state.table(created);
            return created;
        });
        if (!table.owner().equals(connection.peer().user())) {
            String reason = "holder \"" + name + "\" belongs to user " + table.owner();
            refusals.refused(caller(connection, request), request.execute(), request.opid(), reason);
            throw ProtocolError.denied(reason, request.id());
        }
        return table;
    }

    /** An opid names an operation of one user: another user's equal opid is another operation. */
    static String operationId(PeerCredentials peer, String opid) {
        return "opid:" + peer.user() + ":" + opid;
    }

    private String internalOperationId() {
        return "serve-" + boot + "-" + internalOperations.incrementAndGet();
    }

    static String fingerprint(Request request) {
        ObjectNode node = Messages.NODES.objectNode();
        node.put("execute", request.execute());
        node.set("arguments", request.arguments());
        request.as().ifPresent(a -> node.put("as", a));
        request.holder().ifPresent(h -> node.put("holder", h));
        try {
            return CANONICAL.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The validator's message without the scenario file and step it names: "arguments.FIELD: problem". */
    private static String argumentProblem(ScenarioException invalid) {
        String message = invalid.getMessage();
        String problem = message.substring(message.indexOf(": ", message.indexOf(": ") + 1) + 2);
        return invalid.field()
                .map(f -> f.equals("op") || f.equals("as") ? f : "arguments." + f)
                .map(f -> f + ": " + problem)
                .orElse(problem);
    }

    private static CallerIdentity caller(Client connection, Request request) {
        return new CallerIdentity(
                connection.peer(), connection.key(), request.holder().orElse(null));
    }

    private <T> T await(java.util.concurrent.CompletionStage<T> stage, String what) {
        try {
            return stage.toCompletableFuture().get(settings.engineTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new ProtocolError("EIO", "could not read " + what + ": " + e, "server", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolError("EINTR", "interrupted", "server", null);
        }
    }
}
