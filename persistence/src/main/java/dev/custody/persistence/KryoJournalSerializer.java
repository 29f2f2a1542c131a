package dev.custody.persistence;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import dev.custody.persistence.kryo.Registrations;
import java.io.NotSerializableException;
import java.util.OptionalInt;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Pekko's serializer for everything the engine journals ({@code dev.custody.entity.JournalRecord}).
 * The manifest is the registration id of the record's class (see {@link Registrations}); the payload
 * is the record in Kryo 5 with registration required. Kryo instances are not thread safe, so they
 * come from a pool; Pekko calls serializers from many threads at once.
 *
 * <p>Reading never guesses: an unknown manifest, bytes that do not parse, bytes left over after the
 * record, or a record whose constructor refuses the values all end in a {@link NotSerializableException}
 * that names the manifest, the class and what was wrong. Pekko adds the persistence id and the last
 * good sequence number when this happens during recovery, and the entity fails to start rather than
 * skip the record.
 */
public final class KryoJournalSerializer extends SerializerWithStringManifest {

    /** Fixed forever: stored in every journal row as event_ser_id / snapshot_ser_id. */
    public static final int IDENTIFIER = 0x43555354; // "CUST"

    /** The name under which the serializer is configured in pekko.actor.serializers. */
    public static final String NAME = "custody-kryo";

    private static final Pool<Kryo> KRYOS = new Pool<>(true, false, 64) {
        @Override
        protected Kryo create() {
            return Registrations.newKryo();
        }
    };

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object record) {
        return Integer.toString(idOf(record));
    }

    @Override
    public byte[] toBinary(Object record) {
        idOf(record);
        Kryo kryo = KRYOS.obtain();
        try {
            Output output = new Output(256, -1);
            kryo.writeObject(output, record);
            return output.toBytes();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    NAME + " cannot write " + record.getClass().getName() + ": " + e.getMessage(), e);
        } finally {
            KRYOS.free(kryo);
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        Class<?> type = classOf(manifest);
        Kryo kryo = KRYOS.obtain();
        try {
            Input input = new Input(bytes);
            Object record = kryo.readObject(input, type);
            if (input.position() != bytes.length) {
                throw new IllegalStateException(
                        (bytes.length - input.position()) + " bytes left over after the record");
            }
            return record;
        } catch (RuntimeException e) {
            NotSerializableException failure =
                    new NotSerializableException(NAME + " cannot read a record with manifest ["
                            + manifest + "] (" + type.getName() + ", " + bytes.length + " bytes): " + e.getMessage()
                            + ". The record is corrupt or was written by an incompatible version of "
                            + type.getSimpleName() + ".");
            failure.initCause(e);
            throw failure;
        } finally {
            KRYOS.free(kryo);
        }
    }

    private static int idOf(Object record) {
        OptionalInt id = Registrations.idOf(record.getClass());
        if (id.isEmpty()) {
            throw new IllegalArgumentException(NAME + " cannot write "
                    + record.getClass().getName() + ": it has no id in " + Registrations.class.getName());
        }
        return id.getAsInt();
    }

    private static Class<?> classOf(String manifest) throws NotSerializableException {
        int id;
        try {
            id = Integer.parseInt(manifest);
        } catch (NumberFormatException e) {
            throw new NotSerializableException(NAME + " cannot read a record with manifest [" + manifest
                    + "]: a manifest is a registration id (a number). Was the record written by another serializer?");
        }
        return Registrations.classOf(id)
                .orElseThrow(
                        () -> new NotSerializableException(
                                NAME
                                        + " cannot read a record with manifest [" + manifest
                                        + "]: no class has that registration id."
                                        + " The journal was written by a newer version, or by a version that had a class since removed."));
    }
}
