package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;

/**
 * The layout number a hand-written serializer puts first in a versioned row. A change to its layout
 * takes the next number, and the serializer keeps reading every earlier one; a number it does not
 * know was written by a newer build and is refused. Rows of format 0 have no number.
 */
final class Layouts {
    private Layouts() {}

    static void require(FormatContext context, Input input, int newest, String what) {
        if (context.positional()) {
            return;
        }
        int layout = input.readVarInt(true);
        if (layout != newest) {
            throw new KryoException(what + " layout " + layout + " is unknown to this build, which reads layout "
                    + newest + (layout > newest ? " (it was written by a newer build)" : ""));
        }
    }

    /** As {@link #require}, for a serializer that reads layouts 1 to {@code newest}: the one the row has (1 for format 0). */
    static int read(FormatContext context, Input input, int newest, String what) {
        if (context.positional()) {
            return 1;
        }
        int layout = input.readVarInt(true);
        if (layout < 1 || layout > newest) {
            throw new KryoException(what + " layout " + layout + " is unknown to this build, which reads layouts 1 to "
                    + newest + (layout > newest ? " (it was written by a newer build)" : ""));
        }
        return layout;
    }
}
