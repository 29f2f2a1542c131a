package dev.custody.ops;

import java.util.Optional;

/**
 * One argument of an operation as a scenario step spells it: its field name, its kind (which the
 * scenario parser validates before anything runs) and whether a step may leave it out.
 *
 * @param flags for {@link ArgKind#FLAGS} and {@link ArgKind#CODE}: the enum whose constants are the names
 */
public record Arg(String name, ArgKind kind, boolean required, Optional<Class<? extends Enum<?>>> flags) {

    public static Arg required(String name, ArgKind kind) {
        return new Arg(name, kind, true, Optional.empty());
    }

    public static Arg optional(String name, ArgKind kind) {
        return new Arg(name, kind, false, Optional.empty());
    }

    /** An optional list of the constants of {@code type}. */
    public static Arg flags(String name, Class<? extends Enum<?>> type) {
        return new Arg(name, ArgKind.FLAGS, false, Optional.of(type));
    }

    /** An optional list of the constants of {@code type}, or the raw 32-bit flag word. */
    public static Arg flagWord(String name, Class<? extends Enum<?>> type) {
        return new Arg(name, ArgKind.FLAG_WORD, false, Optional.of(type));
    }

    /** A required constant of {@code type} (ordinal = uapi value), or a raw number. */
    public static Arg code(String name, Class<? extends Enum<?>> type) {
        return new Arg(name, ArgKind.CODE, true, Optional.of(type));
    }
}
