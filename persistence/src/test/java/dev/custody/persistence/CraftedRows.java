package dev.custody.persistence;

import com.esotericsoftware.kryo.io.Output;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Journal rows built byte by byte, as an attacker or a damaged disk would leave them: the encodings of
 * both formats spelled out, so a test shows exactly which bytes reach the reader.
 */
final class CraftedRows {
    private CraftedRows() {}

    static byte[] bytes(Consumer<Output> writer) {
        Output output = new Output(64, -1);
        writer.accept(output);
        return output.toBytes();
    }

    static void varLong(Output output, long value) {
        output.writeVarLong(value, true);
    }

    /** A string as both formats spell it inside a record: its UTF-8 length plus one, then the bytes. */
    static void string(Output output, String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        output.writeVarInt(utf8.length + 1, true);
        output.writeBytes(utf8);
    }

    /** Where a sealed type's value is: Kryo's class id, the registration id plus two. */
    static void classId(Output output, int registrationId) {
        output.writeVarInt(registrationId + 2, true);
    }

    /** Format 1: the key of a field that is one varint. */
    static void varintField(Output output, int tag, long value) {
        output.writeVarInt(tag << 1, true);
        output.writeVarLong(value, true);
    }

    /** Format 1: the key of a field with a length, the length, and the bytes. */
    static void delimitedField(Output output, int tag, byte[] payload) {
        output.writeVarInt(tag << 1 | 1, true);
        output.writeVarInt(payload.length, true);
        output.writeBytes(payload);
    }
}
