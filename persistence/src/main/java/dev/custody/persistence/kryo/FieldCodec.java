package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/**
 * How one value of a known declared type is written. The declared type (a record component's generic
 * type), not the runtime class, decides the format, so the bytes do not depend on which private JDK
 * collection class happened to hold the value, and the rebuilt value is always the immutable kind.
 */
interface FieldCodec {
    void write(Kryo kryo, Output output, Object value);

    Object read(Kryo kryo, Input input);
}
