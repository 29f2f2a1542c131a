package dev.custody.persistence.kryo;

import java.lang.reflect.Field;

/**
 * Reads one private field that the engine's public API does not expose yet: Type1DmaSpace's entry
 * limit and IoasSpace's reserved ranges per owner. Both take part in equals(), so a journal that left
 * them out would not recover the same state. Only read, never written: the value is rebuilt through
 * the public API. To be replaced by public accessors in the engine (entryLimit(), reservedByOwner()).
 */
final class PrivateField<T> {
    private final Field field;

    private PrivateField(Field field) {
        this.field = field;
    }

    static <T> PrivateField<T> of(Class<?> owner, String name) {
        try {
            Field field = owner.getDeclaredField(name);
            field.setAccessible(true);
            return new PrivateField<>(field);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("the journal format needs " + owner.getSimpleName() + "." + name
                    + ", which is gone: " + e, e);
        }
    }

    @SuppressWarnings("unchecked")
    T get(Object instance) {
        try {
            return (T) field.get(instance);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
