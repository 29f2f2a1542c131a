package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.custody.rules.mapping.IovaRange;
import java.util.ArrayList;
import java.util.List;

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
}
