package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.custody.rules.mapping.IoasArea;
import dev.custody.rules.mapping.IoasSpace;
import dev.custody.rules.mapping.IovaRange;
import dev.custody.rules.mapping.RequestedRange;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedMap;

/**
 * Alignment, reserved ranges per owner, allowed ranges, areas; rebuilt in that order. The order is
 * the one the kernel's own checks allow: reserved and allowed ranges never intersect each other or an
 * area, and every area is aligned to the current alignment (a misaligned area refuses a new one).
 */
final class IoasSpaceSerializer extends Serializer<IoasSpace> {
    private static final PrivateField<SortedMap<String, List<IovaRange>>> RESERVED =
            PrivateField.of(IoasSpace.class, "reservedByOwner");

    IoasSpaceSerializer() {
        super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, IoasSpace space) {
        output.writeVarLong(space.iovaAlignment(), true);
        SortedMap<String, List<IovaRange>> reserved = RESERVED.get(space);
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
        long alignment = input.readVarLong(true);
        IoasSpace space;
        try {
            space = Steps.accepted(IoasSpace.empty().setIovaAlignment(alignment), "IoasSpace alignment");
        } catch (IllegalArgumentException e) {
            throw new com.esotericsoftware.kryo.KryoException("corrupt IoasSpace: " + e.getMessage(), e);
        }
        int owners = Bounded.count(input, "IoasSpace reserved owners");
        for (int n = 0; n < owners; n++) {
            String owner = FieldCodecs.readString(input);
            space = Steps.accepted(space.addReserved(owner, Ranges.read(input)), "IoasSpace reserved ranges of " + owner);
        }
        List<RequestedRange> allowed = Ranges.read(input).stream()
                .map(range -> new RequestedRange(range.start(), range.last())).toList();
        if (!allowed.isEmpty()) {
            space = Steps.accepted(space.allowIovas(allowed), "IoasSpace allowed ranges");
        }
        int areas = Bounded.count(input, "IoasSpace areas");
        for (int n = 0; n < areas; n++) {
            long iova = input.readVarLong(true);
            long length = input.readVarLong(true);
            int bits = input.readByte();
            space = Steps.accepted(space.map(OptionalLong.of(iova), length, (bits & 1) != 0, (bits & 2) != 0),
                    "IoasSpace area " + n);
        }
        return space;
    }
}
