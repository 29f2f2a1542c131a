package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/**
 * A value preceded by its length in bytes (a varint), so a reader that does not know it can skip it.
 * The length is written before the value without a second buffer: one byte is kept for it, and in the
 * rare case the value takes 128 bytes or more the value is moved up to make room for the longer varint.
 */
final class Delimited {
    private Delimited() {}

    /** Keeps a byte for the length of the value about to be written; give the result to {@link #end}. */
    static int begin(Output output) {
        output.writeByte(0);
        return output.position();
    }

    /** Writes the length of the value written since {@code start} in front of it. */
    static void end(Output output, int start) {
        int length = output.position() - start;
        int extra = varIntLength(length) - 1;
        if (extra > 0) {
            for (int n = 0; n < extra; n++) {
                output.writeByte(0); // room at the end (the buffer may grow), then the value moves up
            }
            byte[] buffer = output.getBuffer();
            System.arraycopy(buffer, start, buffer, start + extra, length);
        }
        int end = output.position();
        output.setPosition(start - 1);
        output.writeVarInt(length, true);
        output.setPosition(end);
    }

    /** A length read and checked against the bytes left. */
    static int length(Input input, String what) {
        int length = input.readVarInt(true);
        int left = input.limit() - input.position();
        if (length < 0 || length > left) {
            throw new KryoException("corrupt " + what + ": " + length + " bytes announced, " + left + " left");
        }
        return length;
    }

    private static int varIntLength(int value) {
        int bytes = 1;
        while ((value >>>= 7) != 0) {
            bytes++;
        }
        return bytes;
    }
}
