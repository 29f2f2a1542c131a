package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.mapping.Type1Version;
import java.util.ArrayList;
import java.util.List;

/**
 * Version, page size, entry limit, valid ranges, entries; read back as those values, nothing decided
 * again (the container's geometry may have changed since an entry was mapped, and nothing re-checks it),
 * in one pass: a row of n entries is rebuilt in O(n log n). Versioned rows begin with {@link #LAYOUT}.
 */
final class Type1DmaSpaceSerializer extends Serializer<Type1DmaSpace> {
    static final int LAYOUT = 1;

    private final FormatContext context;

    Type1DmaSpaceSerializer(FormatContext context) {
        super(false, true);
        this.context = context;
    }

    @Override
    public void write(Kryo kryo, Output output, Type1DmaSpace space) {
        output.writeVarInt(LAYOUT, true);
        FieldCodecs.writeString(output, space.version().name());
        output.writeVarLong(space.pageSize(), true);
        output.writeVarInt(space.entryLimit(), true);
        Ranges.write(output, space.validRanges());
        output.writeVarInt(space.entries().size(), true);
        for (DmaMapping entry : space.entries()) {
            output.writeVarLong(entry.iova(), true);
            output.writeVarLong(entry.vaddr(), true);
            output.writeVarLong(entry.size(), true);
            output.writeByte(entry.prot().bits());
        }
    }

    @Override
    public Type1DmaSpace read(Kryo kryo, Input input, Class<? extends Type1DmaSpace> type) {
        context.enter("Type1DmaSpace");
        try {
            return readSpace(input);
        } finally {
            context.leave();
        }
    }

    private Type1DmaSpace readSpace(Input input) {
        Layouts.require(context, input, LAYOUT, "Type1DmaSpace");
        Type1Version version = (Type1Version) FieldCodecs.enumNamed(Type1Version.class, FieldCodecs.readString(input));
        long pageSize = input.readVarLong(true);
        int entryLimit = input.readVarInt(true);
        List<IovaRange> validRanges = Ranges.read(input);
        int count = Bounded.count(input, "Type1DmaSpace entries");
        List<DmaMapping> entries = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            long iova = input.readVarLong(true);
            long vaddr = input.readVarLong(true);
            long size = input.readVarLong(true);
            DmaMapping entry = new DmaMapping(iova, vaddr, size, Bits.prot(input.readByte()));
            ValueChecks.forType(DmaMapping.class).accept(entry);
            entries.add(entry);
        }
        try {
            return Type1DmaSpace.empty(version)
                    .withPageSize(pageSize)
                    .withValidRanges(validRanges)
                    .withEntryLimit(entryLimit)
                    .withEntries(Ranges.ascendingAndDisjoint(entries, DmaMapping::range, "Type1DmaSpace entry"));
        } catch (IllegalArgumentException e) {
            throw new KryoException("corrupt Type1DmaSpace: " + e.getMessage(), e);
        }
    }
}
