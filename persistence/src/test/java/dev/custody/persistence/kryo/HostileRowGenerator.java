package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.io.Output;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Type1DmaSpace;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.SequencedMap;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * Builds rows the way the serializer lays them out, field by field from the classes' declared types and
 * the field table, and at each step, with a seeded chance, does something hostile instead: a class id
 * that is wrong for the slot (another record, null, a class by name, one nobody registered), a count or
 * a length far beyond the row, a boolean that is neither 0 nor 1, a field twice, a field with the wrong
 * wire kind, a field missing, or a chain of records nested far deeper than any journal holds.
 */
final class HostileRowGenerator {
    private static final long[] NUMBERS = {0, 1, 2, 127, 128, 0x1000, 1L << 40, Integer.MAX_VALUE, Long.MAX_VALUE, -1};

    private final Random random;
    private final double hostility;
    private final int format;
    private final FieldTable fields = FieldTable.standard();
    private final Map<Integer, Class<?>> table = Registrations.byId();
    private final List<Integer> ids = new ArrayList<>(table.keySet());
    private int depth;

    HostileRowGenerator(long seed, double hostility, int format) {
        this.random = new Random(seed);
        this.hostility = hostility;
        this.format = format;
    }

    byte[] row(Class<?> type) {
        depth = 0;
        Output output = new Output(256, 1 << 20);
        try {
            value(output, type);
        } catch (com.esotericsoftware.kryo.KryoException full) {
            // a row past 1 MiB: keep what was written, it is as hostile cut short
        }
        return output.toBytes();
    }

    private boolean hostile() {
        return random.nextDouble() < hostility;
    }

    private void value(Output out, Type declared) {
        Class<?> raw = FieldCodecs.raw(declared);
        if (raw == long.class || raw == int.class) {
            long number = hostile() ? NUMBERS[random.nextInt(NUMBERS.length)] : random.nextInt(4096);
            if (raw == long.class) {
                out.writeVarLong(number, true);
            } else {
                out.writeVarInt((int) number, false);
            }
        } else if (raw == Integer.class || raw == Long.class) { // Kryo's own serializers: zigzag varints
            long number = hostile() ? NUMBERS[random.nextInt(NUMBERS.length)] : random.nextInt(4096);
            if (raw == Long.class) {
                out.writeVarLong(number, false);
            } else {
                out.writeVarInt((int) number, false);
            }
        } else if (raw == boolean.class) {
            out.writeByte(hostile() ? random.nextInt(256) : random.nextInt(2));
        } else if (raw == String.class || raw.isEnum()) {
            string(out, raw.isEnum() && !hostile() ? constant(raw) : "x" + random.nextInt(100));
        } else if (raw == Optional.class || raw == OptionalLong.class) {
            boolean present = random.nextBoolean();
            out.writeByte(hostile() ? random.nextInt(256) : present ? 1 : 0);
            if (present) {
                value(out, raw == OptionalLong.class ? long.class : argument(declared, 0));
            }
        } else if (raw == List.class || raw == SortedSet.class) {
            int count = count(out);
            for (int n = 0; n < count; n++) {
                value(out, argument(declared, 0));
            }
        } else if (raw == SortedMap.class || raw == SequencedMap.class) {
            int count = count(out);
            for (int n = 0; n < count; n++) {
                value(out, argument(declared, 0));
                value(out, argument(declared, 1));
            }
        } else if (raw == IommuDomainMappings.class || raw == Type1DmaSpace.class || raw == IoasSpace.class) {
            if (format > 0) {
                out.writeVarInt(hostile() ? random.nextInt(5) : 1, true);
            }
            for (int n = 0; n < 3 + random.nextInt(12); n++) { // numbers, counts and ranges as varints
                out.writeVarLong(hostile() ? NUMBERS[random.nextInt(NUMBERS.length)] : random.nextInt(8), true);
            }
        } else if (raw.isInterface() && raw.isSealed()) {
            sealed(out, raw);
        } else if (raw.isRecord()) {
            record(out, raw);
        } else {
            throw new IllegalStateException("no hostile form for " + declared);
        }
    }

    private int count(Output out) {
        if (hostile()) {
            out.writeVarInt(random.nextBoolean() ? Integer.MAX_VALUE : 1 << random.nextInt(31), true);
            return random.nextInt(3);
        }
        int count = depth > 6 ? 0 : random.nextInt(3);
        out.writeVarInt(count, true);
        return count;
    }

    private void sealed(Output out, Class<?> sealed) {
        if (hostile()) {
            int choice = random.nextInt(4);
            int id = switch (choice) {
                case 0 -> -2; // null
                case 1 -> -1; // a class by name
                case 2 -> 9_999; // nobody's
                default -> ids.get(random.nextInt(ids.size())); // any registered class
            };
            out.writeVarInt(id + 2, true);
            Class<?> type = table.get(id);
            if (type != null && type.isRecord()) {
                record(out, type);
            }
            return;
        }
        List<Class<?>> permitted = new ArrayList<>();
        collect(sealed, permitted);
        Class<?> chosen = permitted.get(random.nextInt(permitted.size()));
        out.writeVarInt(Registrations.idOf(chosen).orElseThrow() + 2, true);
        value(out, chosen);
    }

    private static void collect(Class<?> sealed, List<Class<?>> into) {
        for (Class<?> permitted : sealed.getPermittedSubclasses()) {
            if (permitted.isSealed()) {
                collect(permitted, into);
            } else {
                into.add(permitted);
            }
        }
    }

    private void record(Output out, Class<?> type) {
        depth++;
        try {
            int id = Registrations.idOf(type).orElseThrow();
            List<FieldTable.Line> lines = fields.linesOf(id, type);
            Map<String, Type> declared = new java.util.HashMap<>();
            for (RecordComponent component : type.getRecordComponents()) {
                declared.put(component.getName(), component.getGenericType());
            }
            if (format == 0) {
                for (FieldTable.Line line : lines) {
                    value(out, declared.get(line.name()));
                }
                return;
            }
            List<FieldTable.Line> written = new ArrayList<>(lines);
            if (!written.isEmpty() && hostile()) {
                int pick = random.nextInt(written.size());
                if (random.nextBoolean()) {
                    written.remove(pick); // a field missing
                } else {
                    written.add(written.get(pick)); // a field twice
                }
            }
            out.writeVarInt(hostile() ? Integer.MAX_VALUE : written.size(), true);
            for (FieldTable.Line line : written) {
                Type fieldType = declared.get(line.name());
                boolean varint = FieldCodecs.of(fieldType).varint() != hostile();
                out.writeVarInt(line.tag() << 1 | (varint ? 0 : 1), true);
                if (varint) {
                    value(out, fieldType);
                } else {
                    Output payload = new Output(64, 1 << 20);
                    value(payload, fieldType);
                    out.writeVarInt(hostile() ? Integer.MAX_VALUE : payload.position(), true);
                    out.writeBytes(payload.getBuffer(), 0, payload.position());
                }
            }
        } finally {
            depth--;
        }
    }

    private String constant(Class<?> type) {
        Object[] constants = type.getEnumConstants();
        return ((Enum<?>) constants[random.nextInt(constants.length)]).name();
    }

    private static void string(Output out, String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeVarInt(utf8.length + 1, true);
        out.writeBytes(utf8);
    }

    private static Type argument(Type type, int index) {
        return ((ParameterizedType) type).getActualTypeArguments()[index];
    }
}
