package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.custody.entity.JournalFormat;
import java.util.Map;

/**
 * One Kryo instance with the state its serializers share: writes a value in the current format
 * ({@link JournalFormat#CURRENT}) and reads one in any format up to it. Not thread safe; the journal
 * serializer keeps a pool.
 */
public final class JournalCodec {
    private static final FieldTable STANDARD_FIELDS = FieldTable.standard();

    private final Kryo kryo;
    private final FormatContext context;

    private JournalCodec(Kryo kryo, FormatContext context) {
        this.kryo = kryo;
        this.context = context;
    }

    /** The journal's own table ({@link Registrations}) and field tags ({@value FieldTable#RESOURCE}). */
    public static JournalCodec standard() {
        return of(Registrations.byId(), STANDARD_FIELDS);
    }

    /** Another table and tags: a test's variant of the journal's classes. */
    static JournalCodec of(Map<Integer, Class<?>> table, FieldTable fields) {
        FormatContext context = new FormatContext();
        return new JournalCodec(Registrations.newKryo(table, fields, context), context);
    }

    public byte[] write(Object value) {
        context.begin(JournalFormat.CURRENT);
        Output output = new Output(256, -1);
        kryo.writeObject(output, value);
        return output.toBytes();
    }

    /**
     * The value of {@code type} in {@code bytes}, written in {@code format}; every byte must belong to it.
     * Damage comes out as a {@link KryoException} or another RuntimeException naming what was wrong.
     */
    public Object read(byte[] bytes, Class<?> type, int format) {
        if (format < 0 || format > JournalFormat.CURRENT) {
            throw new KryoException(
                    "format " + format + " is not one this build reads (0 to " + JournalFormat.CURRENT + ")");
        }
        context.begin(format);
        Input input = new Input(bytes);
        Object value = kryo.readObject(input, type);
        if (input.position() != bytes.length) {
            throw new KryoException((bytes.length - input.position()) + " bytes left over after the record");
        }
        return value;
    }

    /** The class registered under {@code id}, if this codec's table has one. */
    public java.util.Optional<Class<?>> classOf(int id) {
        com.esotericsoftware.kryo.Registration registration = id < 10 ? null : kryo.getRegistration(id);
        return java.util.Optional.ofNullable(registration).map(com.esotericsoftware.kryo.Registration::getType);
    }

    /** The id {@code type} is registered under, if this codec's table has it. */
    public java.util.OptionalInt idOf(Class<?> type) {
        com.esotericsoftware.kryo.Registration registration =
                kryo.getClassResolver().getRegistration(type);
        return registration == null || registration.getId() < 10
                ? java.util.OptionalInt.empty()
                : java.util.OptionalInt.of(registration.getId());
    }
}
