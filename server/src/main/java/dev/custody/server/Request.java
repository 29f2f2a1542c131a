package dev.custody.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * One request line: {@code {"execute": OP, "arguments": {...}, "id": ANY, "as": NAME, "opid": TEXT,
 * "holder": NAME}} (docs/protocol.md, Requests). Only the shape is checked here; the arguments are
 * checked as a scenario step's fields when the operation is known.
 */
record Request(
        String execute,
        ObjectNode arguments,
        JsonNode id,
        Optional<String> as,
        Optional<String> opid,
        Optional<String> holder) {

    private static final Set<String> MEMBERS = Set.of("execute", "arguments", "id", "as", "opid", "holder");

    /** Longest opid and holder name accepted: they are journaled and logged with every decision. */
    static final int MAX_NAME = 200;

    static Request parse(byte[] line, int length) {
        JsonNode root;
        try {
            root = Messages.JSON.readTree(line, 0, length);
        } catch (JsonProcessingException e) {
            throw ProtocolError.invalid("not valid JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw ProtocolError.invalid("not valid JSON: " + e.getMessage(), null);
        }
        if (root == null || !root.isObject()) {
            throw ProtocolError.invalid("a request must be a JSON object", null);
        }
        JsonNode id = root.get("id");
        var names = root.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!MEMBERS.contains(name)) {
                throw ProtocolError.invalid(
                        "\"" + name + "\" is not a request member (members: execute, arguments, id, as, opid, holder)",
                        id);
            }
        }
        JsonNode execute = root.get("execute");
        if (execute == null || !execute.isTextual() || execute.textValue().isEmpty()) {
            throw ProtocolError.invalid("\"execute\" must name an operation", id);
        }
        JsonNode arguments = root.get("arguments");
        ObjectNode args;
        if (arguments == null || arguments.isNull()) {
            args = Messages.NODES.objectNode();
        } else if (arguments.isObject()) {
            args = (ObjectNode) arguments;
        } else {
            throw ProtocolError.invalid("\"arguments\" must be an object", id);
        }
        return new Request(
                execute.textValue(), args, id, name(root, "as", id), name(root, "opid", id), name(root, "holder", id));
    }

    private static Optional<String> name(JsonNode root, String member, JsonNode id) {
        JsonNode value = root.get(member);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()
                || value.textValue().isBlank()
                || value.textValue().length() > MAX_NAME) {
            throw ProtocolError.invalid(
                    "\"" + member + "\" must be a non-empty string of at most " + MAX_NAME + " characters", id);
        }
        return Optional.of(value.textValue());
    }
}
