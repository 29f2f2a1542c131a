package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IovaRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Alignment, reserved ranges per owner, allowed ranges, areas; read back as those values, nothing decided
 * again. Versioned rows begin with {@link #LAYOUT}.
 */
final class IoasSpaceSerializer extends Serializer<IoasSpace> {
    static final int LAYOUT = 1;

    private final FormatContext context;

    IoasSpaceSerializer(FormatContext context) {
        super(false, true);
        this.context = context;
    }

    @Override
    public void write(Kryo kryo, Output output, IoasSpace space) {
        output.writeVarInt(LAYOUT, true);
        output.writeVarLong(space.iovaAlignment(), true);
        SortedMap<String, List<IovaRange>> reserved = space.reservedByOwner();
        output.writeVarInt(reserved.size(), true);
        for (Map.Entry<String, List<IovaRange>> owner : reserved.entrySet()) {
            FieldCodecs.writeString(output, owner.getKey());
            Ranges.write(output, owner.getValue());
        }
        Ranges.write(output, space.allowed());
        output.writeVarInt(space.areas().size(), true);
        for (IoasArea area : space.areas()) {
            output.writeVarLong(area.iova(), true);
            output.writeVarLong(area.length(), true);
            output.writeByte(area.prot().bits());
        }
    }

    @Override
    public IoasSpace read(Kryo kryo, Input input, Class<? extends IoasSpace> type) {
        context.enter("IoasSpace");
        try {
            return readSpace(input);
        } finally {
            context.leave();
        }
    }

    private IoasSpace readSpace(Input input) {
        Layouts.require(context, input, LAYOUT, "IoasSpace");
        long alignment = input.readVarLong(true);
        IoasSpace space;
        try {
            space = IoasSpace.empty().withIovaAlignment(alignment);
        } catch (IllegalArgumentException e) {
            throw new KryoException("corrupt IoasSpace: " + e.getMessage(), e);
        }
        int owners = Bounded.count(input, "IoasSpace reserved owners");
        Map<String, List<IovaRange>> reserved = new java.util.HashMap<>();
        for (int n = 0; n < owners; n++) {
            String owner = FieldCodecs.readString(input);
            if (reserved.put(owner, Ranges.read(input)) != null) {
                throw new KryoException("corrupt IoasSpace: the reserved owner " + owner + " appears twice");
            }
        }
        space = space.withAllReserved(reserved);
        space = space.withAllowed(Ranges.read(input));
        int count = Bounded.count(input, "IoasSpace areas");
        List<IoasArea> areas = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            long iova = input.readVarLong(true);
            long length = input.readVarLong(true);
            IoasArea area = new IoasArea(iova, length, Bits.prot(input.readByte()));
            ValueChecks.forType(IoasArea.class).accept(area);
            areas.add(area);
        }
        return space.withAreas(Ranges.ascendingAndDisjoint(areas, IoasArea::range, "IoasSpace area"));
    }
}
