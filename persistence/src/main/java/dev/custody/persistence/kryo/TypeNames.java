package dev.custody.persistence.kryo;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A declared type back from the name {@link Type#getTypeName()} gives it ({@code long},
 * {@code java.util.List<dev.custody.model.event.KernelEvent>}): the field table names the type of a
 * retired field, which records of format 0 still hold and which must be read to be skipped.
 */
final class TypeNames {
    private TypeNames() {}

    private static final Map<String, Class<?>> PRIMITIVES = Map.of(
            "long", long.class,
            "int", int.class,
            "boolean", boolean.class,
            "short", short.class,
            "byte", byte.class,
            "char", char.class,
            "double", double.class,
            "float", float.class);

    static Type parse(String name) {
        int[] position = {0};
        Type type = parse(name, position);
        if (position[0] != name.length()) {
            throw new IllegalArgumentException("not a type name: " + name);
        }
        return type;
    }

    private static Type parse(String text, int[] position) {
        int start = position[0];
        while (position[0] < text.length() && "<>,".indexOf(text.charAt(position[0])) < 0) {
            position[0]++;
        }
        Class<?> raw = classNamed(text.substring(start, position[0]).strip());
        if (position[0] == text.length() || text.charAt(position[0]) != '<') {
            return raw;
        }
        List<Type> arguments = new ArrayList<>();
        do {
            position[0]++; // '<' or ','
            arguments.add(parse(text, position));
        } while (position[0] < text.length() && text.charAt(position[0]) == ',');
        if (position[0] >= text.length() || text.charAt(position[0]) != '>') {
            throw new IllegalArgumentException("unclosed type arguments in " + text);
        }
        position[0]++;
        return new Parameterized(raw, arguments.toArray(Type[]::new));
    }

    private static Class<?> classNamed(String name) {
        Class<?> primitive = PRIMITIVES.get(name);
        if (primitive != null) {
            return primitive;
        }
        try {
            return Class.forName(name, false, TypeNames.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("no class " + name, e);
        }
    }

    private record Parameterized(Class<?> raw, Type[] arguments) implements ParameterizedType {
        @Override
        public Type[] getActualTypeArguments() {
            return arguments.clone();
        }

        @Override
        public Type getRawType() {
            return raw;
        }

        @Override
        public Type getOwnerType() {
            return null;
        }

        @Override
        public String getTypeName() {
            return raw.getName()
                    + Arrays.stream(arguments)
                            .map(Type::getTypeName)
                            .toList()
                            .toString()
                            .replace('[', '<')
                            .replace(']', '>');
        }
    }
}
