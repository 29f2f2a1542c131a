package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;

/**
 * Length checks for everything read with a count prefix. A corrupt count must give an exception, not
 * an attempt to allocate gigabytes (an OutOfMemoryError would take the whole JVM down): every element
 * takes at least one byte, so a count larger than the bytes left is corrupt.
 */
final class Bounded {
    private Bounded() {}

    static int count(Input input, String what) {
        int count = input.readVarInt(true);
        int left = input.limit() - input.position();
        if (count < 0 || count > left) {
            throw new KryoException("corrupt " + what + ": count " + count + " with only " + left + " bytes left");
        }
        return count;
    }
}
