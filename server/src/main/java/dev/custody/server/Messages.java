package dev.custody.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/** The messages the server writes (docs/protocol.md): one JSON object per line. */
public final class Messages {
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The protocol's version in the greeting; a change that breaks a client gets a new one. */
    public static final int PROTOCOL = 1;

    /** What this server offers beyond the operation catalogue, named in the greeting. */
    public static final List<String> CAPABILITIES = List.of(
            "opid",
            "holders",
            "events",
            "policy",
            "query-state",
            "query-status",
            "query-metrics",
            "take-descriptors",
            "give-back-descriptors");

    private Messages() {}

    static ObjectNode greeting(String version, String instance) {
        ObjectNode root = NODES.objectNode();
        ObjectNode body = root.putObject("custody");
        body.put("version", version);
        body.put("protocol", PROTOCOL);
        body.put("instance", instance);
        CAPABILITIES.forEach(body.putArray("capabilities")::add);
        return root;
    }

    static ObjectNode ok(ObjectNode value, JsonNode id) {
        ObjectNode root = NODES.objectNode();
        root.set("return", value);
        putId(root, id);
        return root;
    }

    /**
     * An error answer. {@code origin} says who refused: {@code kernel} (the rules' errno), {@code
     * policy} (the access policy) or {@code server} (a malformed request, a limit, the journal).
     */
    static ObjectNode error(String errorClass, String desc, String origin, JsonNode id) {
        ObjectNode root = NODES.objectNode();
        ObjectNode error = root.putObject("error");
        error.put("class", errorClass);
        error.put("desc", desc);
        error.put("origin", origin);
        putId(root, id);
        return root;
    }

    static ObjectNode event(String name, ObjectNode data, Instant at) {
        ObjectNode root = NODES.objectNode();
        root.put("event", name);
        root.set("data", data);
        ObjectNode timestamp = root.putObject("timestamp");
        timestamp.put("seconds", at.getEpochSecond());
        timestamp.put("microseconds", at.getNano() / 1000);
        return root;
    }

    private static void putId(ObjectNode root, JsonNode id) {
        if (id != null && !id.isMissingNode()) {
            root.set("id", id);
        }
    }

    /** The line as bytes, newline included. */
    static byte[] line(JsonNode message) {
        try {
            byte[] text = JSON.writeValueAsBytes(message);
            byte[] line = new byte[text.length + 1];
            System.arraycopy(text, 0, line, 0, text.length);
            line[text.length] = '\n';
            return line;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a server message did not serialize: " + e.getMessage(), e);
        }
    }

    static String text(JsonNode message) {
        return new String(line(message), StandardCharsets.UTF_8).strip();
    }
}
