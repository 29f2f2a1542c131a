package dev.custody.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.ops.U64;
import java.util.List;
import java.util.Optional;

/** Typed reads of one scenario file's JSON fields; every failure names the file and the field. */
record JsonFields(String file) {

    Iterable<JsonNode> array(JsonNode node, String where, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                throw ScenarioException.atField(file, where, "is required");
            }
            return List.of();
        }
        if (!node.isArray()) {
            throw ScenarioException.atField(file, where, "must be a list");
        }
        return node;
    }

    String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.textValue().isBlank()) {
            throw ScenarioException.atField(file, where + "." + field, "must be a non-empty string");
        }
        return value.textValue();
    }

    Optional<String> optionalText(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        return Optional.of(text(node, field, where));
    }

    boolean bool(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw ScenarioException.atField(file, where + "." + field, "must be true or false");
        }
        return value.booleanValue();
    }

    int integer(JsonNode node, String where) {
        return U64.exact(node)
                .filter(v -> v.bitLength() < 31)
                .map(v -> v.intValue())
                .orElseThrow(() -> ScenarioException.atField(file, where, "must be an integer, not " + node));
    }

    /** A number in 0..max, as a JSON number or a "0x" string (ids and bus numbers read best in hex). */
    int bounded(JsonNode node, String where, int max) {
        return U64.exact(node)
                .filter(v -> v.signum() >= 0 && v.bitLength() < 31 && v.intValue() <= max)
                .map(v -> v.intValue())
                .orElseThrow(() -> ScenarioException.atField(
                        file, where, "must be a number 0..0x%x (like \"0x%x\"), not %s".formatted(max, max, node)));
    }

    /** Refuses fields outside {@code known}, so a misspelt field is not silently ignored. */
    void onlyKnown(JsonNode node, List<String> known, String where) {
        for (var field : (Iterable<String>) () -> node.fieldNames()) {
            if (!known.contains(field)) {
                throw ScenarioException.atField(
                        file, where + "." + field, "is not a field here (fields: " + String.join(", ", known) + ")");
            }
        }
    }
}
