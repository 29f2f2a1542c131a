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
 * Versioned rows begin with the layout's number: layout 1 lists every leaf (iova, paddr, size, prot),
 * layout 2 every run of equal leaves (the same, then the run's count). A table of at most
 * {@link #LEAVES_WRITTEN_ONE_BY_ONE} leaves is written in layout 1, byte for byte as builds before runs
 * wrote it (so older builds still read it); a larger one in layout 2, which older builds refuse by its
 * number instead of misreading. Every run read must be pages of one of the table's sizes inside its
 * width ({@link ValueChecks#leafOf}), so a crafted count cannot claim more leaves than its addresses hold.
 */
final class IommuDomainMappingsSerializer extends Serializer<IommuDomainMappings> {
    static final int LEAVES = 1;
    static final int RUNS = 2;

    /** 16 MiB in 4 KiB pages; every table the golden files hold is smaller. */
    static final long LEAVES_WRITTEN_ONE_BY_ONE = 4096;

    private final FormatContext context;

    IommuDomainMappingsSerializer(FormatContext context) {
        super(false, true);
        this.context = context;
    }

    @Override
    public void write(Kryo kryo, Output output, IommuDomainMappings mappings) {
        boolean oneByOne = mappings.leafCount() <= LEAVES_WRITTEN_ONE_BY_ONE;
        output.writeVarInt(oneByOne ? LEAVES : RUNS, true);
        output.writeVarLong(mappings.pageSizeBitmap(), true);
        output.writeVarInt(mappings.addressWidth(), true);
        List<Mapping> written = oneByOne ? mappings.leaves().toList() : mappings.runs();
        output.writeVarInt(written.size(), true);
        for (Mapping run : written) {
            output.writeVarLong(run.iova(), true);
            output.writeVarLong(run.paddr(), true);
            output.writeVarLong(run.size(), true);
            output.writeByte(run.prot().bits());
            if (!oneByOne) {
                output.writeVarLong(run.count(), true);
            }
        }
    }

    @Override
    public IommuDomainMappings read(Kryo kryo, Input input, Class<? extends IommuDomainMappings> type) {
        context.enter("IommuDomainMappings");
        try {
            int layout = Layouts.read(context, input, RUNS, "IommuDomainMappings");
            long bitmap = input.readVarLong(true);
            int width = input.readVarInt(true);
            IommuDomainMappings mappings;
            try {
                mappings = IommuDomainMappings.empty(bitmap, width);
            } catch (IllegalArgumentException e) {
                throw new KryoException("corrupt IommuDomainMappings: " + e.getMessage(), e);
            }
            int count = Bounded.count(input, "IommuDomainMappings " + (layout == RUNS ? "runs" : "leaves"));
            List<Mapping> leaves = new ArrayList<>(count);
            for (int n = 0; n < count; n++) {
                long iova = input.readVarLong(true);
                long paddr = input.readVarLong(true);
                long size = input.readVarLong(true);
                var prot = Bits.prot(input.readByte());
                long leavesInRun = layout == RUNS ? input.readVarLong(true) : 1;
                if (leavesInRun < 1) {
                    throw new KryoException("corrupt IommuDomainMappings run at " + Long.toHexString(iova)
                            + ": a count of " + leavesInRun + " leaves");
                }
                Mapping leaf = new Mapping(iova, paddr, size, prot, leavesInRun);
                ValueChecks.leafOf(mappings, leaf);
                leaves.add(leaf);
            }
            return mappings.withLeaves(Ranges.ascendingAndDisjoint(leaves, Mapping::range, "IommuDomainMappings leaf"));
        } finally {
            context.leave();
        }
    }
}
