package dev.custody.scenario;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.DeviceId;
import dev.custody.model.Errno;
import dev.custody.model.IommuType;
import dev.custody.model.Topology;
import dev.custody.ops.Arg;
import dev.custody.ops.ArgKind;
import dev.custody.ops.Operation;
import dev.custody.ops.Operations;
import dev.custody.ops.U64;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a scenario file and validates all of it before anything runs: an invalid file gets one
 * message naming the file, the step and the field (docs/scenario-format.md, exit status 2).
 */
public final class ScenarioParser {
    /**
     * Scenario files are input from anyone: a key given twice is an error (Jackson would keep the last),
     * and nesting, number and string sizes are bounded far above what any scenario needs, so that no
     * file can exhaust the stack, the heap or the parser's time.
     */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxNumberLength(64)
                    .maxStringLength(1 << 16)
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private ScenarioParser() {}

    public static Scenario parse(String source, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null
                    ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr();
            throw new ScenarioException(
                    source, Optional.empty(), Optional.empty(), "not valid JSON: " + e.getOriginalMessage() + where);
        }
        if (root == null || !root.isObject()) {
            throw new ScenarioException(source, Optional.empty(), Optional.empty(), "must be a JSON object");
        }
        Topology topology = new TopologyParser(source).parse(root.get("topology"));
        String name = root.hasNonNull("name") ? root.get("name").asText() : source;
        Optional<String> description =
                Optional.ofNullable(root.get("description")).map(JsonNode::asText);
        JsonNode steps = root.get("steps");
        if (steps == null || !steps.isArray()) {
            throw ScenarioException.atField(source, "steps", "must be a list");
        }
        return new Scenario(source, name, description, topology, new StepValidator(source, topology).validate(steps));
    }

    /**
     * Validates one step on its own, as {@link #parse} validates each step of a file: the op, its
     * fields and their value forms against {@code topology}, and that every name it uses is one of
     * {@code names}. For callers that receive steps one at a time (the control socket); the message
     * of the {@link ScenarioException} names {@code source}, the step number and the field.
     */
    public static Step validateStep(
            String source, Topology topology, java.util.Collection<String> names, int number, ObjectNode node) {
        return new StepValidator(source, topology).validateOne(number, node, new HashSet<>(names));
    }

    /** Fields every step may carry besides its operation's arguments. */
    static final Set<String> COMMON_FIELDS =
            Set.of("op", "as", "expect", "expectValue", "expectState", "completes", "comment", "description");

    /** Checks every step's op, fields and names against the operation catalogue. */
    private record StepValidator(String file, Topology topology) {

        List<Step> validate(JsonNode steps) {
            List<Step> valid = new ArrayList<>();
            Set<String> names = new HashSet<>();
            int number = 0;
            for (JsonNode node : steps) {
                number++;
                valid.add(validateOne(number, node, names));
            }
            return valid;
        }

        /** One step; the name it binds with {@code "as"} is added to {@code names}. */
        Step validateOne(int number, JsonNode node, Set<String> names) {
            if (!node.isObject()) {
                throw ScenarioException.atStep(file, number, "(step)", "must be an object");
            }
            JsonNode op = node.get("op");
            if (op == null || !op.isTextual()) {
                throw ScenarioException.atStep(file, number, "op", "is required");
            }
            Operation<?> spec = Operations.find(op.textValue())
                    .orElseThrow(() ->
                            ScenarioException.atStep(file, number, "op", "unknown op \"" + op.textValue() + "\""));
            Step step = new Step(number, spec.name(), (ObjectNode) node);
            checkFields(step, spec, names);
            step.as().ifPresent(names::add);
            return step;
        }

        private void checkFields(Step step, Operation<?> spec, Set<String> names) {
            Iterator<Map.Entry<String, JsonNode>> fields =
                    step.node().properties().iterator();
            while (fields.hasNext()) {
                String field = fields.next().getKey();
                if (!COMMON_FIELDS.contains(field) && spec.arg(field).isEmpty()) {
                    throw fieldError(
                            step,
                            field,
                            "is not an argument of " + spec.name() + " (arguments: "
                                    + String.join(
                                            ", ",
                                            spec.args().stream().map(Arg::name).toList()) + ")");
                }
            }
            for (Arg arg : spec.args()) {
                Optional<JsonNode> value = step.field(arg.name());
                if (value.isEmpty()) {
                    if (arg.required()) {
                        throw fieldError(step, arg.name(), "is required by " + spec.name());
                    }
                    continue;
                }
                checkArg(step, arg, value.get(), names);
            }
            step.field("as").ifPresent(as -> {
                if (!as.isTextual() || as.textValue().isBlank()) {
                    throw fieldError(step, "as", "must be a non-empty name");
                }
            });
            step.field("expect").ifPresent(expect -> checkExpect(step, expect));
            step.field("expectValue").ifPresent(v -> {
                if (!v.isObject()) {
                    throw fieldError(step, "expectValue", "must be an object");
                }
            });
            step.field("expectState").ifPresent(v -> checkExpectState(step, v));
        }

        private void checkArg(Step step, Arg arg, JsonNode value, Set<String> names) {
            String field = arg.name();
            switch (arg.kind()) {
                case DEVICE -> {
                    if (!value.isTextual() || !topology.devices().containsKey(new DeviceId(value.textValue()))) {
                        throw fieldError(step, field, "unknown device " + value + " (not in the topology)");
                    }
                }
                case GROUP -> {
                    if (U64.exact(value)
                            .filter(v -> v.signum() >= 0 && v.bitLength() < 31)
                            .isEmpty()) {
                        throw fieldError(step, field, "must be a group number, not " + value);
                    }
                }
                case DRIVER -> {
                    if (!value.isTextual() || topology.driver(value.textValue()).isEmpty()) {
                        throw fieldError(
                                step,
                                field,
                                "unknown driver " + value + " (known: "
                                        + String.join(", ", topology.drivers().keySet()) + ")");
                    }
                }
                case OVERRIDE, NULLABLE_TEXT -> {
                    if (!value.isNull() && !value.isTextual()) {
                        throw fieldError(step, field, "must be a string or null");
                    }
                }
                case TEXT -> {
                    if (!value.isTextual()) {
                        throw fieldError(step, field, "must be a string");
                    }
                }
                case REF, NULLABLE_REF -> checkRef(step, field, value, names, arg.kind() == ArgKind.NULLABLE_REF);
                case REFS -> {
                    if (!value.isArray()) {
                        throw fieldError(step, field, "must be a list of names or numbers");
                    }
                    value.forEach(ref -> checkRef(step, field, ref, names, false));
                }
                case NUMBER -> {
                    if (U64.bits(value).isEmpty()) {
                        throw fieldError(
                                step, field, "must be a 64-bit number (JSON number or \"0x...\"), not " + value);
                    }
                }
                case ERRNO -> {
                    if (!value.isTextual() || errno(value.textValue()).isEmpty()) {
                        throw fieldError(step, field, "unknown errno " + value);
                    }
                }
                case FLAG_WORD -> {
                    if (value.isArray()) {
                        checkArg(step, new Arg(field, ArgKind.FLAGS, arg.required(), arg.flags()), value, names);
                    } else if (U64.exact(value)
                            .filter(v -> v.signum() >= 0 && v.bitLength() <= 32)
                            .isEmpty()) {
                        throw fieldError(
                                step, field, "must be a list of flag names or a 32-bit flag word, not " + value);
                    }
                }
                case CODE -> {
                    List<String> known = Arrays.stream(arg.flags().orElseThrow().getEnumConstants())
                            .map(Enum::name)
                            .toList();
                    boolean named = value.isTextual() && known.contains(value.textValue());
                    if (!named && U64.bits(value).isEmpty()) {
                        throw fieldError(
                                step,
                                field,
                                "must be one of " + String.join(", ", known) + " or a number, not " + value);
                    }
                }
                case FLAGS -> {
                    List<String> known = Arrays.stream(arg.flags().orElseThrow().getEnumConstants())
                            .map(Enum::name)
                            .toList();
                    if (!value.isArray()) {
                        throw fieldError(step, field, "must be a list of names (" + String.join(", ", known) + ")");
                    }
                    value.forEach(flag -> {
                        if (!flag.isTextual() || !known.contains(flag.textValue())) {
                            throw fieldError(
                                    step, field, "unknown flag " + flag + " (known: " + String.join(", ", known) + ")");
                        }
                    });
                }
                case IOMMU_TYPE -> {
                    if (!value.isTextual()
                            || IommuType.byScenarioName(value.textValue()).isEmpty()) {
                        throw fieldError(
                                step,
                                field,
                                "unknown IOMMU type " + value + " (known: "
                                        + String.join(
                                                ", ",
                                                Arrays.stream(IommuType.values())
                                                        .map(IommuType::scenarioName)
                                                        .toList())
                                        + ")");
                    }
                }
                case BOOL -> {
                    if (!value.isBoolean()) {
                        throw fieldError(step, field, "must be true or false");
                    }
                }
                case RANGES -> {
                    if (!value.isArray()) {
                        throw fieldError(step, field, "must be a list of [start, last] pairs");
                    }
                    value.forEach(range -> {
                        if (!range.isArray()
                                || range.size() != 2
                                || U64.bits(range.get(0)).isEmpty()
                                || U64.bits(range.get(1)).isEmpty()) {
                            throw fieldError(step, field, "must be a list of [start, last] pairs, found " + range);
                        }
                    });
                }
                case PROT -> {
                    if (!value.isTextual() || !value.textValue().matches("r|w|rw|wr")) {
                        throw fieldError(step, field, "must be \"r\", \"w\" or \"rw\"");
                    }
                }
            }
        }

        private void checkRef(Step step, String field, JsonNode value, Set<String> names, boolean nullable) {
            if (value.isNull() && nullable) {
                return;
            }
            if (value.isTextual() && names.contains(value.textValue())) {
                return;
            }
            if (U64.bits(value).isPresent() && !value.isTextual()) {
                return; // a raw number: fd -1, object id 0
            }
            throw fieldError(
                    step,
                    field,
                    value.isTextual()
                            ? "name \"" + value.textValue() + "\" is not defined by an earlier step's \"as\""
                            : "must be a name or a number, not " + value);
        }

        private void checkExpect(Step step, JsonNode expect) {
            if (!expect.isTextual()) {
                throw fieldError(step, "expect", "must be a string");
            }
            String text = expect.textValue();
            if (!text.equals("ok")
                    && !text.equals("WARN")
                    && !text.equals("PENDING")
                    && errno(text).isEmpty()) {
                throw fieldError(
                        step, "expect", "must be \"ok\", \"WARN\", \"PENDING\" or an errno name, not \"" + text + "\"");
            }
        }

        private void checkExpectState(Step step, JsonNode expectState) {
            List<JsonNode> entries = new ArrayList<>();
            if (expectState.isArray()) {
                expectState.forEach(entries::add);
            } else {
                entries.add(expectState);
            }
            for (JsonNode entry : entries) {
                if (!entry.isObject() || !isGroupNumber(entry.get("group"))) {
                    throw fieldError(
                            step, "expectState", "must be an object with a \"group\" number (or a list of them)");
                }
            }
        }

        private ScenarioException fieldError(Step step, String field, String problem) {
            return ScenarioException.atStep(file, step.number(), field, problem);
        }
    }

    /** A group number: an iommu_group id, 0 to 2^31 - 1. */
    static boolean isGroupNumber(JsonNode value) {
        return U64.exact(value)
                .filter(v -> v.signum() >= 0 && v.bitLength() < 31)
                .isPresent();
    }

    static Optional<Errno> errno(String name) {
        try {
            return Optional.of(Errno.valueOf(name));
        } catch (IllegalArgumentException unknown) {
            return Optional.empty();
        }
    }
}
