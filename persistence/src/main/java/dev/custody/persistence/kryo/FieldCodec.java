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

    /** The value, never null: a record field, an element or an Optional's content is never absent. */
    Object read(Kryo kryo, Input input);

    /**
     * Whether the value is written as exactly one varint (numbers and booleans): a tagged field of such
     * a type needs no length, and a reader that does not know the tag skips it by reading one varint.
     */
    default boolean varint() {
        return false;
    }
}
