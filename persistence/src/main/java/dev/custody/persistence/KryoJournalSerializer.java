package dev.custody.persistence;

import com.esotericsoftware.kryo.util.Pool;
import dev.custody.entity.JournalFormat;
import dev.custody.entity.JournalRecord;
import dev.custody.persistence.kryo.JournalCodec;
import dev.custody.persistence.kryo.Registrations;
import java.io.NotSerializableException;
import java.util.OptionalInt;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Pekko's serializer for everything the engine journals ({@code dev.custody.entity.JournalRecord}).
 * The manifest names the record's class by its registration id (see {@link Registrations}) and the
 * journal format of the row: {@code "11@v1"}. The payload is the record in Kryo 5 with registration
 * required, each record a field count and its fields by stable tags ({@link JournalFormat}). Kryo
 * instances are not thread safe, so they come from a pool; Pekko calls serializers from many threads.
 *
 * <p>Rows of format 0, written before records were versioned, have a manifest that is the id alone
 * ({@code "11"}: digits only, so never confused with a versioned one, which always holds '@') and
 * positional records; they are read as such forever. A build that predates versioning refuses a
 * versioned row, since its manifest is not a number; this build refuses a row of a newer format.
 *
 * <p>Reading never guesses: an unknown manifest, a manifest naming a class that is not a journal
 * record, bytes that do not parse, a value of the wrong type where a sealed type belongs, nesting past
 * a bound, a count larger than the bytes left, bytes left over after the record, or a record whose
 * constructor refuses the values all end in a {@link NotSerializableException} that names the
 * manifest, the class and what was wrong; nothing else comes out. {@link NamingJournalDao} adds the
 * persistence id and the damaged row's sequence number when this happens during recovery, and the
 * entity fails to start rather than skip the record.
 */
public final class KryoJournalSerializer extends SerializerWithStringManifest {

    /** Fixed forever: stored in every journal row as event_ser_id / snapshot_ser_id. */
    public static final int IDENTIFIER = 0x43555354; // "CUST"

    /** The name under which the serializer is configured in pekko.actor.serializers. */
    public static final String NAME = "custody-kryo";

    private static final Pool<JournalCodec> CODECS = new Pool<>(true, false, 64) {
        @Override
        protected JournalCodec create() {
            return JournalCodec.standard();
        }
    };

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object record) {
        return idOf(record) + "@v" + JournalFormat.CURRENT;
    }

    @Override
    public byte[] toBinary(Object record) {
        idOf(record);
        JournalCodec codec = CODECS.obtain();
        try {
            return codec.write(record);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    NAME + " cannot write " + record.getClass().getName() + ": " + e.getMessage(), e);
        } finally {
            CODECS.free(codec);
        }
    }

    /** A journal row: a {@link JournalRecord} of the class and format the manifest names. */
    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        return read(bytes, manifest, true);
    }

    /** Any registered class, not only journal records: what a golden file of a single value holds. */
    Object readValue(byte[] bytes, String manifest) throws NotSerializableException {
        return read(bytes, manifest, false);
    }

    private Object read(byte[] bytes, String manifest, boolean journalRecord) throws NotSerializableException {
        RowManifest row = RowManifest.parse(manifest);
        Class<?> type = classOf(row);
        if (journalRecord && !JournalRecord.class.isAssignableFrom(type)) {
            throw new NotSerializableException(NAME + " cannot read a record with manifest [" + manifest + "] ("
                    + type.getName() + "): not a journal record, so never a row of its own");
        }
        JournalCodec codec = CODECS.obtain();
        try {
            return codec.read(bytes, type, row.format());
        } catch (RuntimeException e) {
            NotSerializableException failure =
                    new NotSerializableException(NAME + " cannot read a record with manifest [" + manifest + "] ("
                            + type.getName() + ", " + bytes.length + " bytes): " + e.getMessage()
                            + ". The record is corrupt or was written by an incompatible version of "
                            + type.getSimpleName() + ".");
            failure.initCause(e);
            throw failure;
        } finally {
            CODECS.free(codec);
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

    private static Class<?> classOf(RowManifest row) throws NotSerializableException {
        return Registrations.classOf(row.id())
                .orElseThrow(
                        () -> new NotSerializableException(
                                NAME
                                        + " cannot read a record with manifest [" + row.text()
                                        + "]: no class has that registration id."
                                        + " The journal was written by a newer version, or by a version that had a class since removed."));
    }
}
