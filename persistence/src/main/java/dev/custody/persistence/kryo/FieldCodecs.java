package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
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
import java.util.OptionalLong;
import java.util.SequencedMap;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * The codec for a declared type. Primitives, strings, enums, Optional, OptionalLong, List, SortedSet,
 * SortedMap and SequencedMap have a fixed format here; a record or other final class is written
 * through its registered serializer without a class id; anything else (a sealed interface) is written
 * with its registration id so the reader knows which record follows.
 */
final class FieldCodecs {
    private FieldCodecs() {}

    static FieldCodec of(Type type) {
        Class<?> raw = raw(type);
        if (raw == long.class) {
            return codec((k, o, v) -> o.writeVarLong((Long) v, true), (k, i) -> i.readVarLong(true));
        }
        if (raw == int.class) {
            return codec((k, o, v) -> o.writeVarInt((Integer) v, false), (k, i) -> i.readVarInt(false));
        }
        if (raw == boolean.class) {
            return codec((k, o, v) -> o.writeBoolean((Boolean) v), (k, i) -> i.readBoolean());
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
                    (k, i) -> i.readBoolean() ? OptionalLong.of(i.readVarLong(true)) : OptionalLong.empty());
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
                    (k, i) -> i.readBoolean() ? Optional.of(element.read(k, i)) : Optional.empty());
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
                    (k, i) -> Sorted.set(readAll(k, i, element, "sorted set")));
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
        if (raw.isInterface()
                || raw.isArray()
                || java.util.Collection.class.isAssignableFrom(raw)
                || Map.class.isAssignableFrom(raw)) {
            if (raw.isInterface() && raw.isSealed()) {
                return codec(Kryo::writeClassAndObject, Kryo::readClassAndObject);
            }
            throw new IllegalArgumentException("no journal format for the declared type " + type
                    + "; give it a codec in " + FieldCodecs.class.getSimpleName());
        }
        if (Modifier.isFinal(raw.getModifiers())) {
            return codec((k, o, v) -> k.writeObject(o, v), (k, i) -> k.readObject(i, raw));
        }
        return codec(Kryo::writeClassAndObject, Kryo::readClassAndObject);
    }

    /** UTF-8 with a length prefix (0 = null, n + 1 = n bytes), bounds-checked on reading. */
    static void writeString(Output output, String value) {
        if (value == null) {
            output.writeVarInt(0, true);
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        output.writeVarInt(bytes.length + 1, true);
        output.writeBytes(bytes);
    }

    static String readString(Input input) {
        int length = input.readVarInt(true);
        if (length == 0) {
            return null;
        }
        int left = input.limit() - input.position();
        if (length < 0 || length - 1 > left) {
            throw new KryoException("corrupt string: " + (length - 1) + " bytes announced, " + left + " left");
        }
        return new String(input.readBytes(length - 1), StandardCharsets.UTF_8);
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
            entries.put(key.read(kryo, input), value.read(kryo, input));
        }
        return entries;
    }

    /** Sorted collections are rebuilt in natural order; a custom comparator would be lost silently. */
    private static void requireNaturalOrder(java.util.Comparator<?> comparator) {
        if (comparator != null) {
            throw new KryoException("a sorted collection with a custom comparator cannot be journaled: " + comparator);
        }
    }

    private static Class<?> raw(Type type) {
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
}
