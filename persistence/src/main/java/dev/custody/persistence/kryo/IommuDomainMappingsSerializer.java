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

/**
 * Page-size bitmap, address width and the leaves; read back as those leaves, nothing decided again.
 * Every leaf read must be one page of the table's sizes inside its width ({@link ValueChecks#leafOf}),
 * so a crafted leaf cannot make a rebuilt table allocate more than the row's bytes announce. Versioned
 * rows begin with the layout's number ({@link #LAYOUT}).
 */
final class IommuDomainMappingsSerializer extends Serializer<IommuDomainMappings> {
    static final int LAYOUT = 1;

    private final FormatContext context;

    IommuDomainMappingsSerializer(FormatContext context) {
        super(false, true);
        this.context = context;
    }

    @Override
    public void write(Kryo kryo, Output output, IommuDomainMappings mappings) {
        output.writeVarInt(LAYOUT, true);
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
        context.enter("IommuDomainMappings");
        try {
            Layouts.require(context, input, LAYOUT, "IommuDomainMappings");
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
                Mapping leaf = new Mapping(iova, paddr, size, Bits.prot(input.readByte()));
                ValueChecks.leafOf(mappings, leaf);
                leaves.add(leaf);
            }
            return mappings.withLeaves(Ranges.ascendingAndDisjoint(leaves, Mapping::range, "IommuDomainMappings leaf"));
        } finally {
            context.leave();
        }
    }
}
