package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.custody.persistence.kryo.FieldTable.Line;
import dev.custody.persistence.kryo.FieldTable.Presence;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Any record, read back through its canonical constructor (so the record's own checks and defensive
 * copies run again). Written as the number of its fields, then each field as a key (its stable tag from
 * the {@link FieldTable}, shifted left once, with 1 in the low bit when a length follows) and its value
 * in the format of its declared type ({@link FieldCodecs}): a varint for numbers and booleans, otherwise
 * the length in bytes and the bytes.
 *
 * <p>So a record class may gain a field (records written before lack it and read it as its default) or
 * lose one (records that hold it skip it), and a build that meets a tag it does not know skips it too.
 * Rows of format 0, written before records were versioned, hold the class's unversioned fields in tag
 * order with no count, key or length; they are read as such.
 */
final class RecordSerializer<T extends Record> extends Serializer<T> {

    /** One field as the journal knows it: live (a component) or retired (only in older records). */
    private record Field(
            int tag,
            String name,
            String label,
            FieldCodec codec,
            int component,
            MethodHandle accessor,
            Presence presence,
            Object absent) {
        boolean live() {
            return component >= 0;
        }
    }

    private final Class<T> type;
    /** The class's simple name, and labels for refusals, made once: reading a record allocates no text. */
    private final String name;

    private final String countLabel;
    private final String skippedLabel;
    private final FormatContext context;
    /** Live fields in tag order: the order they are written in. */
    private final Field[] written;
    /** Every field the table names, live or retired, by tag (null where a tag is unknown). */
    private final Field[] byTag;
    /** Format 0: the unversioned fields in tag order, live and retired. */
    private final Field[] positional;
    /** Live fields by component index (the constructor's order), each with its default if it has one. */
    private final Field[] byComponent;

    private final MethodHandle constructor;
    /** What a value read must be beyond what its constructor checks ({@link ValueChecks}). */
    private final Consumer<Object> check;

    RecordSerializer(Class<T> type, List<Line> lines, FormatContext context) {
        super(false, true);
        this.type = type;
        this.name = type.getSimpleName();
        this.countLabel = name + " field count";
        this.skippedLabel = name + " field of an unknown or retired tag";
        this.context = context;
        this.check = ValueChecks.forType(type);
        RecordComponent[] components = type.getRecordComponents();
        Map<String, Integer> componentIndex = new HashMap<>();
        for (int n = 0; n < components.length; n++) {
            componentIndex.put(components[n].getName(), n);
        }
        byComponent = new Field[components.length];
        List<Field> live = new ArrayList<>();
        List<Field> unversioned = new ArrayList<>();
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        byTag = new Field[lines.stream().mapToInt(Line::tag).max().orElse(0) + 1];
        try {
            Set<String> liveNames = new HashSet<>();
            for (Line line : lines) {
                if (byTag[line.tag()] != null) {
                    throw new IllegalArgumentException("tag " + line.tag() + " is given twice");
                }
                Field field;
                if (line.retired()) {
                    field = retired(line, type);
                } else {
                    Integer index = componentIndex.get(line.name());
                    if (index == null || !liveNames.add(line.name())) {
                        throw new IllegalArgumentException("the live field " + line.name() + " (tag " + line.tag()
                                + ") is " + (index == null ? "not a component" : "given twice"));
                    }
                    RecordComponent component = components[index];
                    Type declared = component.getGenericType();
                    if (!declared.getTypeName().equals(line.type())) {
                        throw new IllegalArgumentException("the field " + line.name() + " is declared "
                                + declared.getTypeName() + ", the table says " + line.type()
                                + " (a field never changes type: retire its tag and give the new field a new one)");
                    }
                    field = new Field(
                            line.tag(),
                            line.name(),
                            name + "." + line.name(),
                            FieldCodecs.of(declared),
                            index,
                            lookup.unreflect(component.getAccessor())
                                    .asType(MethodType.methodType(Object.class, Object.class)),
                            line.presence(),
                            line.presence() == Presence.DEFAULTED ? absentValue(type, component) : null);
                    live.add(field);
                    byComponent[index] = field;
                }
                byTag[line.tag()] = field;
                if (line.presence() == Presence.UNVERSIONED) {
                    unversioned.add(field);
                }
            }
            for (RecordComponent component : components) {
                if (!liveNames.contains(component.getName())) {
                    throw new IllegalArgumentException("the component " + component.getName() + " has no tag");
                }
            }
            Class<?>[] parameterTypes =
                    Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
            constructor = lookup.unreflectConstructor(type.getDeclaredConstructor(parameterTypes))
                    .asSpreader(Object[].class, components.length)
                    .asType(MethodType.methodType(Object.class, Object[].class));
        } catch (ReflectiveOperationException | IllegalArgumentException e) {
            throw new IllegalStateException(
                    "cannot journal the record " + type.getName() + ": " + e.getMessage() + " (its lines in "
                            + FieldTable.RESOURCE + " must match its components; see CONTRIBUTING.md)",
                    e);
        }
        written = live.toArray(Field[]::new);
        positional = unversioned.toArray(Field[]::new);
    }

    /** A retired field: records of format 0 hold it when it was unversioned, so its type must still read. */
    private static Field retired(Line line, Class<?> type) {
        FieldCodec codec =
                line.presence() == Presence.UNVERSIONED ? FieldCodecs.of(TypeNames.parse(line.type())) : null;
        String label = type.getSimpleName() + "." + line.name() + " (retired)";
        return new Field(line.tag(), line.name(), label, codec, -1, null, line.presence(), null);
    }

    /** The natural default of the field's type, or the class's static {@code default<Name>()}. */
    private static Object absentValue(Class<?> type, RecordComponent component) throws ReflectiveOperationException {
        String name = component.getName();
        String method = "default" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
        for (Method declared : type.getDeclaredMethods()) {
            if (declared.getName().equals(method)
                    && declared.getParameterCount() == 0
                    && Modifier.isStatic(declared.getModifiers())) {
                declared.setAccessible(true);
                Object value = declared.invoke(null);
                if (value == null || !wrap(component.getType()).isInstance(value)) {
                    throw new IllegalArgumentException(method + "() does not give a " + component.getGenericType());
                }
                return value;
            }
        }
        Optional<Object> natural = FieldCodecs.naturalDefault(component.getGenericType());
        if (natural.isEmpty()) {
            throw new IllegalArgumentException("the defaulted field " + name + " of type "
                    + component.getGenericType().getTypeName() + " has no natural default; declare static " + method
                    + "()");
        }
        return natural.get();
    }

    private static Class<?> wrap(Class<?> type) {
        if (type == long.class) {
            return Long.class;
        }
        if (type == int.class) {
            return Integer.class;
        }
        if (type == boolean.class) {
            return Boolean.class;
        }
        return type;
    }

    @Override
    public void write(Kryo kryo, Output output, T record) {
        Object[] values = new Object[written.length];
        int count = 0;
        for (int i = 0; i < written.length; i++) {
            Field field = written[i];
            try {
                values[i] = field.accessor().invokeExact((Object) record);
            } catch (Throwable e) {
                throw new KryoException("cannot read " + field.label(), e);
            }
            if (values[i] == null) {
                throw new KryoException("cannot write " + field.label() + ": null");
            }
            if (!atItsDefault(field, values[i])) {
                count++;
            }
        }
        output.writeVarInt(count, true);
        for (int i = 0; i < written.length; i++) {
            Field field = written[i];
            if (atItsDefault(field, values[i])) {
                continue;
            }
            try {
                output.writeVarInt(field.tag() << 1 | (field.codec().varint() ? 0 : 1), true);
                if (field.codec().varint()) {
                    field.codec().write(kryo, output, values[i]);
                } else {
                    int start = Delimited.begin(output);
                    field.codec().write(kryo, output, values[i]);
                    Delimited.end(output, start);
                }
            } catch (KryoException | IllegalArgumentException e) {
                throw new KryoException("cannot write " + field.label() + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * A field added later that holds the value older records are read with is left out: a record that
     * does not use what a later version added is written byte for byte as before it.
     */
    private static boolean atItsDefault(Field field, Object value) {
        return field.presence() == Presence.DEFAULTED && value.equals(field.absent());
    }

    @Override
    public T read(Kryo kryo, Input input, Class<? extends T> ignored) {
        context.enter(name);
        try {
            Object[] values = context.positional() ? readPositional(kryo, input) : readTagged(kryo, input);
            T record;
            try {
                record = type.cast(constructor.invokeExact(values));
            } catch (Throwable e) {
                throw new KryoException(
                        "the constructor of " + name + " refused " + abbreviated(Arrays.toString(values)) + ": " + e);
            }
            check.accept(record);
            return record;
        } finally {
            context.leave();
        }
    }

    /** Format 0: the unversioned fields in tag order, nothing else. */
    private Object[] readPositional(Kryo kryo, Input input) {
        Object[] values = new Object[byComponent.length];
        for (Field field : positional) {
            Object value = readValue(kryo, input, field);
            if (field.live()) {
                values[field.component()] = value;
            }
        }
        for (Field field : byComponent) {
            if (field.presence() == Presence.REQUIRED) {
                throw new KryoException("corrupt " + name + ": the class has no record of format 0");
            }
            if (field.presence() == Presence.DEFAULTED) {
                values[field.component()] = field.absent();
            }
        }
        return values;
    }

    private Object[] readTagged(Kryo kryo, Input input) {
        Object[] values = new Object[byComponent.length];
        int count = Bounded.count(input, countLabel);
        long seen = 0; // tags below 64; a later tag is checked through the value it already has
        for (int n = 0; n < count; n++) {
            int key = input.readVarInt(true);
            int tag = key >>> 1;
            boolean delimited = (key & 1) == 1;
            if (tag < 64 && (seen & 1L << tag) != 0) {
                throw new KryoException("corrupt " + name + ": field tag " + tag + " appears twice");
            }
            seen |= tag < 64 ? 1L << tag : 0;
            Field field = tag < byTag.length ? byTag[tag] : null;
            if (field == null || !field.live()) {
                skip(input, delimited, tag); // retired, or added by a newer build: not ours to read
                continue;
            }
            if (delimited == field.codec().varint()) {
                throw new KryoException(
                        "corrupt " + field.label() + ": tag " + tag + (delimited ? " has a length" : " has no length"));
            }
            if (values[field.component()] != null) {
                throw new KryoException("corrupt " + name + ": field tag " + tag + " appears twice");
            }
            values[field.component()] = delimited ? readDelimited(kryo, input, field) : readValue(kryo, input, field);
        }
        for (Field field : byComponent) {
            if (values[field.component()] == null) {
                if (field.presence() != Presence.DEFAULTED) {
                    throw new KryoException("corrupt " + name + ": the field " + field.name() + " (tag " + field.tag()
                            + ") is missing");
                }
                values[field.component()] = field.absent();
            }
        }
        return values;
    }

    private Object readDelimited(Kryo kryo, Input input, Field field) {
        int length = Delimited.length(input, field.label());
        int start = input.position();
        Object value = readValue(kryo, input, field);
        if (input.position() - start != length) {
            throw new KryoException("corrupt " + field.label() + ": " + length + " bytes announced, "
                    + (input.position() - start) + " read");
        }
        return value;
    }

    private Object readValue(Kryo kryo, Input input, Field field) {
        try {
            return field.codec().read(kryo, input);
        } catch (KryoException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new KryoException("in " + field.label() + ": " + e.getMessage(), e);
        }
    }

    private void skip(Input input, boolean delimited, int tag) {
        if (delimited) {
            int length = Delimited.length(input, skippedLabel);
            input.setPosition(input.position() + length);
        } else {
            input.readVarLong(true);
        }
    }

    private static String abbreviated(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
