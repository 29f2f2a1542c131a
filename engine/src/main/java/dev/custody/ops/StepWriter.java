package dev.custody.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.DeviceId;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IommuType;
import dev.custody.model.IovaSpan;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Writes a command's arguments as a scenario step: addresses and sizes as 0x strings, objects by the
 * name the caller's namer gives them (a raw number for a handle that names nothing).
 */
public final class StepWriter {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final ObjectNode step;
    private final Function<Handle, JsonNode> namer;

    StepWriter(String op, Function<Handle, JsonNode> namer) {
        this.step = JSON.objectNode().put("op", op);
        this.namer = namer;
    }

    ObjectNode step() {
        return step;
    }

    /** The usual namer: a scenario name for a named object, the number for a raw one, fd -1 for anything else. */
    public static JsonNode rawName(Handle handle) {
        return switch (handle) {
            case Handle.Unbound u -> JSON.textNode(u.name());
            case Handle.Number n -> JSON.numberNode(n.value());
            default -> JSON.numberNode(-1);
        };
    }

    public StepWriter device(String field, DeviceId device) {
        step.put(field, device.name());
        return this;
    }

    public StepWriter group(String field, GroupId group) {
        step.put(field, group.number());
        return this;
    }

    public StepWriter text(String field, String text) {
        step.put(field, text);
        return this;
    }

    public StepWriter nullableText(String field, Optional<String> text) {
        step.put(field, text.orElse(null));
        return this;
    }

    /** An address or a size. */
    public StepWriter address(String field, long value) {
        step.put(field, "0x" + Long.toUnsignedString(value, 16));
        return this;
    }

    /** A count, written as a plain number. */
    public StepWriter count(String field, long value) {
        step.put(field, value);
        return this;
    }

    public StepWriter bool(String field, boolean value) {
        step.put(field, value);
        return this;
    }

    public StepWriter errno(String field, Errno errno) {
        step.put(field, errno.name());
        return this;
    }

    public StepWriter iommuType(String field, IommuType type) {
        step.put(field, type.scenarioName());
        return this;
    }

    public StepWriter prot(String field, boolean read, boolean write) {
        step.put(field, (read ? "r" : "") + (write ? "w" : ""));
        return this;
    }

    public StepWriter ref(String field, Handle handle) {
        step.set(field, namer.apply(handle));
        return this;
    }

    public StepWriter refs(String field, List<Handle> handles) {
        ArrayNode list = step.putArray(field);
        handles.forEach(handle -> list.add(namer.apply(handle)));
        return this;
    }

    public StepWriter nullableRef(String field, Optional<Handle> handle) {
        if (handle.isPresent()) {
            return ref(field, handle.get());
        }
        step.putNull(field);
        return this;
    }

    /** Flags in their declaration order, so the same set is always written the same way. */
    public <E extends Enum<E>> StepWriter flags(String field, Set<E> flags) {
        ArrayNode list = step.putArray(field);
        flags.stream().sorted().forEach(flag -> list.add(flag.name()));
        return this;
    }

    /** A {@link ArgKind#CODE}: the name of the constant with that ordinal, or the number in hex. */
    public <E extends Enum<E>> StepWriter code(String field, Class<E> type, long value) {
        E[] constants = type.getEnumConstants();
        return value >= 0 && value < constants.length
                ? text(field, constants[(int) value].name())
                : address(field, value);
    }

    /** A raw flag word, in hex. */
    public StepWriter flagWord(String field, int word) {
        step.put(field, "0x" + Integer.toUnsignedString(word, 16));
        return this;
    }

    public StepWriter ranges(String field, List<IovaSpan> ranges) {
        ArrayNode list = step.putArray(field);
        ranges.forEach(r -> list.addArray()
                .add("0x" + Long.toUnsignedString(r.start(), 16))
                .add("0x" + Long.toUnsignedString(r.last(), 16)));
        return this;
    }

    /** The name of what the step creates. */
    public StepWriter as(String label) {
        step.put("as", label);
        return this;
    }

    public StepWriter as(Optional<String> label) {
        label.ifPresent(this::as);
        return this;
    }
}
