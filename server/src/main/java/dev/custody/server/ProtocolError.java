package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A request the server refuses before the engine sees it: malformed, unknown, denied, or over a
 * limit. {@code origin} is {@code server} or {@code policy} (docs/protocol.md, Errors).
 */
final class ProtocolError extends RuntimeException {
    private final String errorClass;
    private final String origin;
    private final JsonNode id;

    ProtocolError(String errorClass, String desc, String origin, JsonNode id) {
        super(desc, null, false, false);
        this.errorClass = errorClass;
        this.origin = origin;
        this.id = id;
    }

    static ProtocolError invalid(String desc, JsonNode id) {
        return new ProtocolError("EINVAL", desc, "server", id);
    }

    static ProtocolError denied(String desc, JsonNode id) {
        return new ProtocolError("EACCES", desc, "policy", id);
    }

    String errorClass() {
        return errorClass;
    }

    String origin() {
        return origin;
    }

    JsonNode id() {
        return id;
    }

    com.fasterxml.jackson.databind.node.ObjectNode message() {
        return Messages.error(errorClass, getMessage(), origin, id);
    }
}
