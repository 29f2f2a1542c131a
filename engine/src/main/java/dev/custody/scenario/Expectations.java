package dev.custody.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.ops.U64;
import java.util.Iterator;
import java.util.Map;

/**
 * Compares an expectation with what happened: objects by the fields the expectation names, lists
 * element by element, numbers numerically in either spelling (docs/scenario-format.md).
 */
public final class Expectations {
    private Expectations() {}

    public static boolean matches(JsonNode expected, JsonNode actual) {
        if (expected == null || expected.isNull()) {
            return actual == null || actual.isNull() || actual.isMissingNode();
        }
        if (actual == null || actual.isMissingNode()) {
            return false;
        }
        if (expected.isObject()) {
            if (!actual.isObject()) {
                return false;
            }
            Iterator<Map.Entry<String, JsonNode>> fields = expected.properties().iterator();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (!matches(field.getValue(), actual.get(field.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (expected.isArray()) {
            if (!actual.isArray() || actual.size() != expected.size()) {
                return false;
            }
            for (int i = 0; i < expected.size(); i++) {
                if (!matches(expected.get(i), actual.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (U64.exact(expected).isPresent()
                && U64.exact(actual).isPresent()
                && (expected.isNumber()
                        || actual.isNumber()
                        || expected.asText().startsWith("0x"))) {
            return U64.sameNumber(expected, actual);
        }
        if (expected.isBoolean()) {
            return actual.isBoolean() && actual.booleanValue() == expected.booleanValue();
        }
        return actual.isValueNode() && expected.asText().equals(actual.asText());
    }
}
