package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.custody.rules.mapping.DmaMapping;
import dev.custody.rules.mapping.IovaRange;
import dev.custody.rules.mapping.Type1DmaSpace;
import dev.custody.rules.mapping.Type1Version;
import java.util.List;

/**
 * Version, page size, entry limit, valid ranges, entries. The entries are re-mapped with page size 1,
 * no range restriction and no entry limit, and the real geometry is set afterwards: the container's
 * page size and valid ranges may have changed after an entry was mapped (groups joined or left), so
 * the current geometry need not accept the old entries, and the type1 driver never re-checks them.
 */
final class Type1DmaSpaceSerializer extends Serializer<Type1DmaSpace> {
    private static final PrivateField<Integer> ENTRY_LIMIT = PrivateField.of(Type1DmaSpace.class, "entryLimit");

    Type1DmaSpaceSerializer() {
        super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Type1DmaSpace space) {
        FieldCodecs.writeString(output, space.version().name());
        output.writeVarLong(space.pageSize(), true);
        output.writeVarInt(ENTRY_LIMIT.get(space), true);
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
        Type1DmaSpace space = Type1DmaSpace.empty(version).withPageSize(1).withValidRanges(List.of())
                .withEntryLimit(Integer.MAX_VALUE);
        int entries = Bounded.count(input, "Type1DmaSpace entries");
        for (int n = 0; n < entries; n++) {
            long iova = input.readVarLong(true);
            long vaddr = input.readVarLong(true);
            long size = input.readVarLong(true);
            int bits = input.readByte();
            space = Steps.accepted(space.map(iova, vaddr, size, (bits & 1) != 0, (bits & 2) != 0),
                    "Type1DmaSpace entry " + n);
        }
        try {
            return space.withPageSize(pageSize).withValidRanges(validRanges).withEntryLimit(entryLimit);
        } catch (IllegalArgumentException e) {
            throw new KryoException("corrupt Type1DmaSpace: " + e.getMessage(), e);
        }
    }
}
