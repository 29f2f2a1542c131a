package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.custody.rules.mapping.IommuDomainMappings;
import dev.custody.rules.mapping.Mapping;
import dev.custody.rules.mapping.Prot;

/**
 * Page-size bitmap, address width and the leaves. Read back by mapping each leaf alone: a leaf is one
 * supported, aligned page size, so iommu_map() splits it into exactly that one leaf again.
 */
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
            throw new com.esotericsoftware.kryo.KryoException("corrupt IommuDomainMappings: " + e.getMessage(), e);
        }
        int leaves = Bounded.count(input, "IommuDomainMappings leaves");
        for (int n = 0; n < leaves; n++) {
            long iova = input.readVarLong(true);
            long paddr = input.readVarLong(true);
            long size = input.readVarLong(true);
            int bits = input.readByte();
            mappings = Steps.accepted(mappings.map(iova, paddr, size, new Prot((bits & 1) != 0, (bits & 2) != 0)),
                    "IommuDomainMappings leaf " + n);
        }
        return mappings;
    }
}
