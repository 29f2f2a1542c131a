package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/** An enum by constant name, as record components hold them (see {@link FieldCodecs}). */
final class EnumSerializer<E extends Enum<E>> extends Serializer<E> {
    private final Class<E> type;

    EnumSerializer(Class<E> type) {
        super(false, true);
        this.type = type;
    }

    @Override
    public void write(Kryo kryo, Output output, E value) {
        FieldCodecs.writeString(output, value.name());
    }

    @Override
    public E read(Kryo kryo, Input input, Class<? extends E> ignored) {
        return type.cast(FieldCodecs.enumNamed(type, FieldCodecs.readString(input)));
    }
}
