package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.model.event.KernelEvent;
import dev.custody.persistence.kryo.Registrations;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every project class reachable from a journal record (through record components, type arguments and
 * permitted subclasses) has a registration id, so a new field type fails here rather than at the first
 * write in production ("Class is not registered").
 */
class RegistrationCoverageTest {
    @Test
    void everyReachableProjectClassIsRegistered() {
        Deque<Type> work = new ArrayDeque<>(JournalRecordClasses.all());
        work.add(KernelEvent.class);
        Set<Class<?>> seen = new HashSet<>();
        Set<String> missing = new TreeSet<>();
        while (!work.isEmpty()) {
            Type type = work.pop();
            if (type instanceof ParameterizedType parameterized) {
                work.addAll(List.of(parameterized.getActualTypeArguments()));
                type = parameterized.getRawType();
            }
            if (!(type instanceof Class<?> c)
                    || c.isPrimitive()
                    || !seen.add(c)
                    || !c.getName().startsWith("dev.custody.")) {
                continue;
            }
            if (c.isSealed()) {
                work.addAll(List.of(c.getPermittedSubclasses()));
                continue;
            }
            if (Registrations.idOf(c).isEmpty()) {
                missing.add(c.getName());
            }
            if (c.isRecord()) {
                for (RecordComponent component : c.getRecordComponents()) {
                    work.add(component.getGenericType());
                }
            }
        }
        assertEquals(Set.of(), missing);
    }
}
