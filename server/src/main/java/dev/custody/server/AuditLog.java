package dev.custody.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Optional;

/**
 * One line per request and per refused connection: who asked, what, and the answer (refusals and
 * policy denials included). The engine journals decisions with events only and knows no callers
 * yet; until it journals every command with its caller and outcome, this log is where a denial that
 * never reached the engine is recorded ({@link RefusalRecorder}).
 */
final class AuditLog implements RefusalRecorder, AutoCloseable {
    private final JsonLines lines;

    AuditLog(JsonLines lines) {
        this.lines = lines;
    }

    void answered(
            CallerIdentity caller,
            String execute,
            Optional<String> operationId,
            String result,
            String origin,
            Optional<Long> seq) {
        ObjectNode record = base(caller, execute, operationId);
        record.put("result", result);
        record.put("origin", origin);
        seq.ifPresent(s -> record.put("seq", s));
        lines.append(record);
    }

    @Override
    public void refused(
            CallerIdentity caller,
            String execute,
            Optional<String> operationId,
            String errorClass,
            String origin,
            String reason) {
        ObjectNode record = base(caller, execute, operationId);
        record.put("result", errorClass);
        record.put("origin", origin);
        record.put("reason", reason);
        lines.append(record);
    }

    void connectionRefused(PeerCredentials peer, String reason) {
        ObjectNode record = Messages.NODES.objectNode();
        record.put("time", Instant.now().toString());
        putPeer(record, peer);
        record.put("execute", "(connect)");
        record.put("result", "EACCES");
        record.put("origin", "policy");
        record.put("reason", reason);
        lines.append(record);
    }

    private static ObjectNode base(CallerIdentity caller, String execute, Optional<String> operationId) {
        ObjectNode record = Messages.NODES.objectNode();
        record.put("time", Instant.now().toString());
        putPeer(record, caller.peer());
        record.put("connection", caller.connection());
        if (caller.holder() != null) {
            record.put("holder", caller.holder());
        }
        record.put("execute", execute);
        operationId.ifPresent(o -> record.put("operation", o));
        return record;
    }

    private static void putPeer(ObjectNode record, PeerCredentials peer) {
        record.put("user", peer.user());
        record.put("group", peer.group());
        peer.pid().ifPresent(p -> record.put("pid", p));
    }

    @Override
    public void close() {
        lines.close();
    }
}
