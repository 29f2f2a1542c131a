package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Mapping;
import java.util.ArrayList;
import java.util.List;

/** Page-size bitmap, address width and the leaves; read back as those leaves, nothing decided again. */
final class IommuDomainMappingsSerializer extends Serializer<IommuDomainMappings> {
    IommuDomainMappingsSerializer() {
        super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, IommuDomainMappings mappings) {
        output.writeVarLong(mappings.pageSizeBitmap(), true);
        output.writeVarInt(mappings.addressWidth(), true);
        output.writeVarInt(mappings.runs().size(), true);
        for (Mapping leaf : mappings.runs()) {
            output.writeVarLong(leaf.iova(), true);
            output.writeVarLong(leaf.paddr(), true);
            output.writeVarLong(leaf.size(), true);
            output.writeByte(leaf.prot().bits());
        }
    }

    @Override
    public IommuDomainMappings read(Kryo kryo, Input input, Class<? extends IommuDomainMappings> type) {
        long bitmap = input.readVarLong(true);
        int width = input.readVarInt(true);
        IommuDomainMappings mappings;
        try {
            mappings = IommuDomainMappings.empty(bitmap, width);
        } catch (IllegalArgumentException e) {
            throw new KryoException("corrupt IommuDomainMappings: " + e.getMessage(), e);
        }
        int count = Bounded.count(input, "IommuDomainMappings leaves");
        List<Mapping> leaves = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            long iova = input.readVarLong(true);
            long paddr = input.readVarLong(true);
            long size = input.readVarLong(true);
            leaves.add(new Mapping(iova, paddr, size, Bits.prot(input.readByte())));
        }
        return mappings.withLeaves(Ranges.ascendingAndDisjoint(leaves, Mapping::range, "IommuDomainMappings leaf"));
    }
}
