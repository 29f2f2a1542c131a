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
 * again (the container's geometry may have changed since an entry was mapped, and nothing re-checks it).
 */
final class Type1DmaSpaceSerializer extends Serializer<Type1DmaSpace> {
    Type1DmaSpaceSerializer() {
        super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Type1DmaSpace space) {
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
            entries.add(new DmaMapping(iova, vaddr, size, Bits.prot(input.readByte())));
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
