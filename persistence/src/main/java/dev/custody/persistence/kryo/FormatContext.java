package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.KryoException;

/**
 * What the serializers of one Kryo instance share while one row is read: the row's format (0, the
 * positional records before versioning, or a versioned one) and how deep the reading has nested. A
 * row is untrusted input: its nesting is bounded, so no crafted row reaches a StackOverflowError.
 */
final class FormatContext {
    /** Records inside records; the deepest a journal holds today is about 8 (a snapshot's page table). */
    static final int MAX_DEPTH = 32;

    private int format;
    private int depth;

    /** Starts one row: its format, and no nesting yet. */
    void begin(int rowFormat) {
        format = rowFormat;
        depth = 0;
    }

    boolean positional() {
        return format == 0;
    }

    int format() {
        return format;
    }

    /** One level deeper, into {@code what}; refused past {@link #MAX_DEPTH}. Pair with {@link #leave()}. */
    void enter(String what) {
        if (depth >= MAX_DEPTH) {
            throw new KryoException("records nested deeper than " + MAX_DEPTH + " levels (at " + what + ")");
        }
        depth++;
    }

    void leave() {
        depth--;
    }
}
