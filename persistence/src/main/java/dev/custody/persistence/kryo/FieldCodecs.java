package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.custody.model.state.Sorted;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.SequencedMap;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * The codec for a declared type. Primitives, strings, enums, Optional, OptionalLong, List, SortedSet,
 * SortedMap and SequencedMap have a fixed format here; a record or other final class is written
 * through its registered serializer without a class id; a sealed interface is written with the
 * registration id of the record that follows.
 *
 * <p>Reading trusts nothing: a value is never null, a boolean is 0 or 1, a class id must name a
 * registered class that the declared sealed type permits (never Kryo's own class-by-name form), a
 * count is bounded by the bytes left, and a sorted set or map holds no key twice.
 */
final class FieldCodecs {
    private FieldCodecs() {}

    static FieldCodec of(Type type) {
        Class<?> raw = raw(type);
        if (raw == long.class) {
            return varint((k, o, v) -> o.writeVarLong((Long) v, true), (k, i) -> i.readVarLong(true));
        }
        if (raw == int.class) {
            return varint((k, o, v) -> o.writeVarInt((Integer) v, false), (k, i) -> i.readVarInt(false));
        }
        if (raw == boolean.class) {
            return varint((k, o, v) -> o.writeBoolean((Boolean) v), (k, i) -> readBoolean(i));
        }
        if (raw == String.class) {
            return codec((k, o, v) -> writeString(o, (String) v), (k, i) -> readString(i));
        }
        if (raw.isEnum()) {
            return enumCodec(raw);
        }
        if (raw == OptionalLong.class) {
            return codec(
                    (k, o, v) -> {
                        OptionalLong value = (OptionalLong) v;
                        o.writeBoolean(value.isPresent());
                        if (value.isPresent()) {
                            o.writeVarLong(value.getAsLong(), true);
                        }
                    },
                    (k, i) -> readBoolean(i) ? OptionalLong.of(i.readVarLong(true)) : OptionalLong.empty());
        }
        if (raw == Optional.class) {
            FieldCodec element = of(argument(type, 0));
            return codec(
                    (k, o, v) -> {
                        Optional<?> value = (Optional<?>) v;
                        o.writeBoolean(value.isPresent());
                        if (value.isPresent()) {
                            element.write(k, o, value.get());
                        }
                    },
                    (k, i) -> readBoolean(i) ? Optional.of(element.read(k, i)) : Optional.empty());
        }
        if (raw == List.class) {
            FieldCodec element = of(argument(type, 0));
            return codec(
                    (k, o, v) -> writeAll(k, o, (List<?>) v, element),
                    (k, i) -> List.copyOf(readAll(k, i, element, "list")));
        }
        if (raw == SortedSet.class) {
            FieldCodec element = of(argument(type, 0));
            return codec(
                    (k, o, v) -> {
                        requireNaturalOrder(((SortedSet<?>) v).comparator());
                        writeAll(k, o, (SortedSet<?>) v, element);
                    },
                    (k, i) -> {
                        List<Object> elements = readAll(k, i, element, "sorted set");
                        SortedSet<Object> set = Sorted.set(elements);
                        if (set.size() != elements.size()) {
                            throw new KryoException("corrupt sorted set: an element appears twice");
                        }
                        return set;
                    });
        }
        if (raw == SortedMap.class) {
            FieldCodec key = of(argument(type, 0));
            FieldCodec value = of(argument(type, 1));
            return codec(
                    (k, o, v) -> {
                        requireNaturalOrder(((SortedMap<?, ?>) v).comparator());
                        writeEntries(k, o, (Map<?, ?>) v, key, value);
                    },
                    (k, i) -> Sorted.map(readEntries(k, i, key, value)));
        }
        if (raw == SequencedMap.class) {
            FieldCodec key = of(argument(type, 0));
            FieldCodec value = of(argument(type, 1));
            return codec(
                    (k, o, v) -> writeEntries(k, o, (Map<?, ?>) v, key, value),
                    (k, i) -> Collections.unmodifiableSequencedMap(readEntries(k, i, key, value)));
        }
        if (raw.isInterface() && raw.isSealed()) {
            return sealedCodec(raw);
        }
        if (raw.isInterface()
                || raw.isArray()
                || raw.isPrimitive()
                || java.util.Collection.class.isAssignableFrom(raw)
                || Map.class.isAssignableFrom(raw)
                || !Modifier.isFinal(raw.getModifiers())) {
            throw new IllegalArgumentException("no journal format for the declared type " + type
                    + "; give it a codec in " + FieldCodecs.class.getSimpleName());
        }
        return codec((k, o, v) -> k.writeObject(o, v), (k, i) -> k.readObject(i, raw));
    }

    /**
     * What a field of this declared type reads as when a record written before the field existed lacks
     * it: empty for Optional and collections, 0 and false for numbers and booleans; nothing for types
     * with no natural default (the class then declares one).
     */
    static Optional<Object> naturalDefault(Type type) {
        Class<?> raw = raw(type);
        if (raw == long.class) {
            return Optional.of(0L);
        }
        if (raw == int.class) {
            return Optional.of(0);
        }
        if (raw == boolean.class) {
            return Optional.of(false);
        }
        if (raw == Optional.class) {
            return Optional.of(Optional.empty());
        }
        if (raw == OptionalLong.class) {
            return Optional.of(OptionalLong.empty());
        }
        if (raw == OptionalInt.class) {
            return Optional.of(OptionalInt.empty());
        }
        if (raw == List.class) {
            return Optional.of(List.of());
        }
        if (raw == SortedSet.class) {
            return Optional.of(Sorted.set(List.of()));
        }
        if (raw == SortedMap.class) {
            return Optional.of(Sorted.emptyMap());
        }
        if (raw == SequencedMap.class) {
            return Optional.of(Collections.unmodifiableSequencedMap(new LinkedHashMap<>()));
        }
        return Optional.empty();
    }

    /**
     * A value of a sealed type: the registration id of its record, then the record. The id must be one
     * this Kryo registers and the sealed type permits; Kryo's null (0) and class-name (1) forms, and a
     * record of another type (a decision where an event belongs), are corrupt.
     */
    private static FieldCodec sealedCodec(Class<?> sealed) {
        return codec(
                (k, o, v) -> {
                    if (v == null) {
                        throw new KryoException("null where a " + sealed.getSimpleName() + " belongs");
                    }
                    k.writeClass(o, v.getClass());
                    k.writeObject(o, v);
                },
                (k, i) -> {
                    int written = i.readVarInt(true);
                    Registration registration = written >= 2 ? k.getRegistration(written - 2) : null;
                    if (registration == null || !sealed.isAssignableFrom(registration.getType())) {
                        throw new KryoException((written == 0
                                        ? "null"
                                        : written == 1
                                                ? "a class given by name"
                                                : registration == null
                                                        ? "unregistered class id " + (written - 2)
                                                        : registration.getType().getName() + " (id " + (written - 2)
                                                                + ")")
                                + " where a " + sealed.getName() + " belongs");
                    }
                    Class<?> found = registration.getType();
                    return k.readObject(i, found);
                });
    }

    /** UTF-8 with a length prefix (n + 1 = n bytes; 0, null, is never written), bounds-checked on reading. */
    static void writeString(Output output, String value) {
        if (value == null) {
            throw new KryoException("a null string cannot be journaled");
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        output.writeVarInt(bytes.length + 1, true);
        output.writeBytes(bytes);
    }

    static String readString(Input input) {
        int length = input.readVarInt(true);
        if (length == 0) {
            throw new KryoException("corrupt string: null");
        }
        int left = input.limit() - input.position();
        if (length < 0 || length - 1 > left) {
            throw new KryoException("corrupt string: " + (length - 1) + " bytes announced, " + left + " left");
        }
        return new String(input.readBytes(length - 1), StandardCharsets.UTF_8);
    }

    /** A boolean is the byte 0 or 1; anything else is damage, not "false". */
    static boolean readBoolean(Input input) {
        byte value = input.readByte();
        if (value != 0 && value != 1) {
            throw new KryoException("corrupt boolean: byte " + value);
        }
        return value == 1;
    }

    /** By name: the golden files then survive reordering or inserting constants. */
    private static FieldCodec enumCodec(Class<?> raw) {
        return codec((k, o, v) -> writeString(o, ((Enum<?>) v).name()), (k, i) -> enumNamed(raw, readString(i)));
    }

    static Object enumNamed(Class<?> type, String name) {
        for (Object constant : type.getEnumConstants()) {
            if (((Enum<?>) constant).name().equals(name)) {
                return constant;
            }
        }
        throw new KryoException(type.getName() + " has no constant " + name);
    }

    private static void writeAll(Kryo kryo, Output output, java.util.Collection<?> values, FieldCodec element) {
        output.writeVarInt(values.size(), true);
        for (Object value : values) {
            element.write(kryo, output, value);
        }
    }

    private static List<Object> readAll(Kryo kryo, Input input, FieldCodec element, String what) {
        int size = Bounded.count(input, what);
        List<Object> values = new ArrayList<>(size);
        for (int n = 0; n < size; n++) {
            values.add(element.read(kryo, input));
        }
        return values;
    }

    private static void writeEntries(Kryo kryo, Output output, Map<?, ?> map, FieldCodec key, FieldCodec value) {
        output.writeVarInt(map.size(), true);
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            key.write(kryo, output, entry.getKey());
            value.write(kryo, output, entry.getValue());
        }
    }

    private static LinkedHashMap<Object, Object> readEntries(Kryo kryo, Input input, FieldCodec key, FieldCodec value) {
        int size = Bounded.count(input, "map");
        LinkedHashMap<Object, Object> entries = LinkedHashMap.newLinkedHashMap(size);
        for (int n = 0; n < size; n++) {
            Object k = key.read(kryo, input);
            if (entries.put(k, value.read(kryo, input)) != null) {
                throw new KryoException("corrupt map: the key " + k + " appears twice");
            }
        }
        return entries;
    }

    /** Sorted collections are rebuilt in natural order; a custom comparator would be lost silently. */
    private static void requireNaturalOrder(java.util.Comparator<?> comparator) {
        if (comparator != null) {
            throw new KryoException("a sorted collection with a custom comparator cannot be journaled: " + comparator);
        }
    }

    static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalArgumentException("no journal format for the type " + type);
    }

    private static Type argument(Type type, int index) {
        if (type instanceof ParameterizedType p) {
            return p.getActualTypeArguments()[index];
        }
        throw new IllegalArgumentException("raw type " + type + " has no element type to journal");
    }

    private interface Writer {
        void write(Kryo kryo, Output output, Object value);
    }

    private interface Reader {
        Object read(Kryo kryo, Input input);
    }

    private static FieldCodec codec(Writer writer, Reader reader) {
        return new FieldCodec() {
            @Override
            public void write(Kryo kryo, Output output, Object value) {
                writer.write(kryo, output, value);
            }

            @Override
            public Object read(Kryo kryo, Input input) {
                return reader.read(kryo, input);
            }
        };
    }

    private static FieldCodec varint(Writer writer, Reader reader) {
        return new FieldCodec() {
            @Override
            public void write(Kryo kryo, Output output, Object value) {
                writer.write(kryo, output, value);
            }

            @Override
            public Object read(Kryo kryo, Input input) {
                return reader.read(kryo, input);
            }

            @Override
            public boolean varint() {
                return true;
            }
        };
    }
}
