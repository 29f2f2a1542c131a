package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;

/**
 * Any record: its components in declaration order, each in the format of its declared type, read back
 * through the canonical constructor (so the record's own checks and defensive copies run again).
 *
 * <p>Compatibility: the format is the component list. Renaming a component is free; adding, removing,
 * reordering or retyping one breaks old journals, and the golden-file test says so.
 */
final class RecordSerializer<T extends Record> extends Serializer<T> {

    private final Class<T> type;
    private final String[] names;
    private final MethodHandle[] accessors;
    private final FieldCodec[] codecs;
    private final MethodHandle constructor;

    RecordSerializer(Class<T> type) {
        super(false, true);
        this.type = type;
        RecordComponent[] components = type.getRecordComponents();
        names = new String[components.length];
        accessors = new MethodHandle[components.length];
        codecs = new FieldCodec[components.length];
        Class<?>[] parameterTypes = new Class<?>[components.length];
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        try {
            for (int n = 0; n < components.length; n++) {
                RecordComponent component = components[n];
                names[n] = component.getName();
                parameterTypes[n] = component.getType();
                accessors[n] = lookup.unreflect(component.getAccessor())
                        .asType(MethodType.methodType(Object.class, Object.class));
                codecs[n] = FieldCodecs.of(component.getGenericType());
            }
            constructor = lookup.unreflectConstructor(type.getDeclaredConstructor(parameterTypes))
                    .asSpreader(Object[].class, components.length)
                    .asType(MethodType.methodType(Object.class, Object[].class));
        } catch (ReflectiveOperationException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot journal the record " + type.getName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void write(Kryo kryo, Output output, T record) {
        for (int n = 0; n < codecs.length; n++) {
            Object value;
            try {
                value = accessors[n].invokeExact((Object) record);
            } catch (Throwable e) {
                throw new KryoException("cannot read " + type.getSimpleName() + "." + names[n], e);
            }
            try {
                codecs[n].write(kryo, output, value);
            } catch (KryoException | IllegalArgumentException e) {
                throw new KryoException(
                        "cannot write " + type.getSimpleName() + "." + names[n] + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public T read(Kryo kryo, Input input, Class<? extends T> ignored) {
        Object[] values = new Object[codecs.length];
        for (int n = 0; n < codecs.length; n++) {
            try {
                values[n] = codecs[n].read(kryo, input);
            } catch (KryoException | IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new KryoException("in " + type.getSimpleName() + "." + names[n] + ": " + e.getMessage(), e);
            }
        }
        try {
            return type.cast(constructor.invokeExact(values));
        } catch (Throwable e) {
            throw new KryoException(
                    "the constructor of " + type.getSimpleName() + " refused " + Arrays.toString(values) + ": " + e, e);
        }
    }
}
