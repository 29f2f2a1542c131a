package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.custody.model.mapping.IovaRange;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A list of IOVA ranges inside the mapping serializers: count, then start and last of each. */
final class Ranges {
    private Ranges() {}

    static void write(Output output, List<IovaRange> ranges) {
        output.writeVarInt(ranges.size(), true);
        for (IovaRange range : ranges) {
            output.writeVarLong(range.start(), true);
            output.writeVarLong(range.last(), true);
        }
    }

    static List<IovaRange> read(Input input) {
        int count = Bounded.count(input, "IOVA ranges");
        List<IovaRange> ranges = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            long start = input.readVarLong(true);
            long last = input.readVarLong(true);
            try {
                ranges.add(new IovaRange(start, last));
            } catch (IllegalArgumentException e) {
                throw new KryoException("corrupt IOVA range: " + e.getMessage(), e);
            }
        }
        return List.copyOf(ranges);
    }

    /**
     * Refuses a corrupt list of leaves, entries or areas: each must cover at least one byte without
     * wrapping, and each must start after the one before it ends (as the bookkeeping only ever holds).
     */
    static <T> List<T> ascendingAndDisjoint(List<T> elements, Function<T, IovaRange> range, String what) {
        IovaRange previous = null;
        for (T element : elements) {
            IovaRange current;
            try {
                current = range.apply(element);
            } catch (IllegalArgumentException e) {
                throw new KryoException("corrupt " + what + " " + element + ": " + e.getMessage(), e);
            }
            if (previous != null && Long.compareUnsigned(current.start(), previous.last()) <= 0) {
                throw new KryoException("corrupt " + what + ": " + element + " does not start after " + previous);
            }
            previous = current;
        }
        return elements;
    }
}
