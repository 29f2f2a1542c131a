package dev.custody.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.FileId;
import dev.custody.model.Handle;

/**
 * What the server must remember across its own restarts, as records of a {@link JsonLines} file in
 * the state directory (or, on a cluster node, of a table in the shared database): the holders and
 * their names and files, and, for requests with an opid, the intent before the engine is asked and
 * the answer before it is sent (docs/protocol.md, Retries).
 */
final class StateLog implements AutoCloseable {
    private final Records lines;

    StateLog(StateRecords records) {
        this.lines = new Records(records);
    }

    /** Each record as one line of text, kept before the call returns. */
    private record Records(StateRecords records) {
        void append(ObjectNode record) {
            records.append(Messages.text(record));
        }

        void close() {
            records.close();
        }
    }

    void table(HandleTable table) {
        lines.append(record("table").put("table", table.key()).put("owner", table.owner()));
    }

    void bound(HandleTable table, String name, Handle handle) {
        ObjectNode r = record("bind").put("table", table.key()).put("name", name);
        r.set("handle", HandleCodec.write(handle));
        lines.append(r);
    }

    void opened(HandleTable table, FileId file) {
        lines.append(record("file").put("table", table.key()).put("file", file.number()));
    }

    /** The holder's process took the descriptor of {@code file}, which fstat named {@code identity}. */
    void handedOut(HandleTable table, FileId file, dev.custody.nativeio.libc.FileIdentity identity) {
        lines.append(record("out")
                .put("table", table.key())
                .put("file", file.number())
                .put("identity", identity.text()));
    }

    /** {@code file} is no longer out with the holder's process: {@code how} ("given back", "closed"). */
    void back(HandleTable table, FileId file, String how) {
        lines.append(record("back")
                .put("table", table.key())
                .put("file", file.number())
                .put("how", how));
    }

    void released(HandleTable table) {
        lines.append(record("release").put("table", table.key()));
    }

    void intent(String operationId, HandleTable table, String op, int number, ObjectNode step, String fingerprint) {
        ObjectNode r = record("intent")
                .put("operation", operationId)
                .put("table", table.key())
                .put("op", op)
                .put("number", number)
                .put("fingerprint", fingerprint);
        r.set("step", step);
        lines.append(r);
    }

    void answered(String operationId, RetryCache.Answer answer) {
        ObjectNode r = record("answer").put("operation", operationId).put("fingerprint", answer.fingerprint());
        r.set("answer", answer.message());
        lines.append(r);
    }

    private static ObjectNode record(String type) {
        return Messages.NODES.objectNode().put("t", type);
    }

    @Override
    public void close() {
        lines.close();
    }
}
