package dev.custody.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/** One step of a scenario file: its 1-based number, its op and the raw JSON object. */
public record Step(int number, String op, ObjectNode node) {

    public Optional<JsonNode> field(String name) {
        JsonNode value = node.get(name);
        return value == null || value.isMissingNode() ? Optional.empty() : Optional.of(value);
    }

    public boolean has(String name) {
        return node.has(name);
    }

    public Optional<String> as() {
        return field("as").filter(JsonNode::isTextual).map(JsonNode::textValue);
    }

    public Optional<String> expect() {
        return field("expect").map(JsonNode::asText);
    }

    public Optional<JsonNode> expectValue() {
        return field("expectValue");
    }

    public Optional<JsonNode> expectState() {
        return field("expectState");
    }

    /** An expected {@code completes}: the step number(s) whose blocked call this step lets finish. */
    public Optional<JsonNode> expectCompletes() {
        return field("completes");
    }

    public boolean hasExpectation() {
        return has("expect") || has("expectValue") || has("expectState") || has("completes");
    }
}
