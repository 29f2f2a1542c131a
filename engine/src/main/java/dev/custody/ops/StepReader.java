package dev.custody.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.DeviceId;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IommuType;
import dev.custody.model.IovaSpan;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The arguments of one validated scenario step, read as typed values: names of objects are resolved
 * to what earlier steps bound them to, and a name whose creating step failed stays an unbound name,
 * which the rules answer as the kernel answers a stale fd.
 */
public final class StepReader {
    private final String op;
    private final int number;
    private final ObjectNode node;
    private final Map<String, Handle> names;

    public StepReader(String op, int number, ObjectNode node, Map<String, Handle> names) {
        this.op = op;
        this.number = number;
        this.node = node;
        this.names = names;
    }

    public DeviceId device(String field) {
        return new DeviceId(text(field));
    }

    public GroupId group(String field) {
        return new GroupId(U64.exact(value(field)).orElseThrow().intValue());
    }

    public String text(String field) {
        return value(field).textValue();
    }

    public Optional<String> nullableText(String field) {
        return present(field).filter(v -> !v.isNull()).map(JsonNode::textValue);
    }

    public long number(String field) {
        return U64.bits(value(field)).orElseThrow();
    }

    public OptionalLong optionalNumber(String field) {
        Optional<JsonNode> value = present(field);
        return value.isPresent() ? OptionalLong.of(U64.bits(value.get()).orElseThrow()) : OptionalLong.empty();
    }

    /** A boolean that is false when the step leaves it out. */
    public boolean bool(String field) {
        return present(field).map(JsonNode::asBoolean).orElse(false);
    }

    public Errno errno(String field) {
        return Errno.valueOf(text(field));
    }

    public IommuType iommuType(String field) {
        return IommuType.byScenarioName(text(field)).orElseThrow();
    }

    /** "r", "w" or "rw" (default "rw"), as the two access bits. */
    public boolean readable(String field) {
        return present(field).map(JsonNode::asText).orElse("rw").contains("r");
    }

    public boolean writable(String field) {
        return present(field).map(JsonNode::asText).orElse("rw").contains("w");
    }

    public Handle ref(String field) {
        return resolve(value(field));
    }

    /** The named objects, in order; none when the step leaves the list out. */
    public List<Handle> refs(String field) {
        List<Handle> refs = new ArrayList<>();
        present(field).ifPresent(list -> list.forEach(ref -> refs.add(resolve(ref))));
        return refs;
    }

    public Optional<Handle> nullableRef(String field) {
        return present(field).filter(v -> !v.isNull()).map(this::resolve);
    }

    /** The named flags; none when the step leaves the list out. */
    public <E extends Enum<E>> Set<E> flags(String field, Class<E> type) {
        return flags(field, type, EnumSet.noneOf(type));
    }

    /** The named flags, or {@code absent} when the step leaves the list out. */
    public <E extends Enum<E>> Set<E> flags(String field, Class<E> type, Set<E> absent) {
        Optional<JsonNode> list = present(field);
        if (list.isEmpty()) {
            return absent;
        }
        EnumSet<E> flags = EnumSet.noneOf(type);
        list.get().forEach(flag -> flags.add(Enum.valueOf(type, flag.textValue())));
        return flags;
    }

    /** A {@link ArgKind#CODE}: the named constant's ordinal (its uapi value), or the number given. */
    public <E extends Enum<E>> long code(String field, Class<E> type) {
        JsonNode value = value(field);
        if (value.isTextual()) {
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equals(value.textValue())) {
                    return constant.ordinal();
                }
            }
        }
        return U64.bits(value).orElseThrow();
    }

    /** The raw flag word, when the step gives the field as a number rather than a list of names. */
    public OptionalInt flagWord(String field) {
        Optional<JsonNode> value = present(field).filter(v -> !v.isArray());
        return value.isPresent()
                ? OptionalInt.of(U64.bits(value.get()).orElseThrow().intValue())
                : OptionalInt.empty();
    }

    public List<IovaSpan> ranges(String field) {
        List<IovaSpan> ranges = new ArrayList<>();
        value(field)
                .forEach(r -> ranges.add(new IovaSpan(
                        U64.bits(r.get(0)).orElseThrow(), U64.bits(r.get(1)).orElseThrow())));
        return ranges;
    }

    /** The name the step gives what it creates. */
    public Optional<String> as() {
        return present("as").filter(JsonNode::isTextual).map(JsonNode::textValue);
    }

    /** The step's name for what it creates, or a readable one: the op's object and the step number. */
    public String label() {
        return as().orElseGet(() -> {
            String noun =
                    op.substring(op.lastIndexOf('.') + 1).replace("_alloc", "").replace("get_device_fd", "device");
            return noun + "@step" + number;
        });
    }

    private Handle resolve(JsonNode value) {
        if (value.isTextual()) {
            Handle bound = names.get(value.textValue());
            return bound != null ? bound : new Handle.Unbound(value.textValue());
        }
        return new Handle.Number(U64.bits(value).orElseThrow());
    }

    private JsonNode value(String field) {
        return present(field)
                .orElseThrow(() -> new IllegalStateException("step " + number + " (" + op + ") has no " + field
                        + "; the scenario parser should have refused it"));
    }

    private Optional<JsonNode> present(String field) {
        JsonNode value = node.get(field);
        return value == null || value.isMissingNode() ? Optional.empty() : Optional.of(value);
    }
}
