package dev.custody.entity;

import dev.custody.model.DeviceId;
import dev.custody.model.Topology;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.Sorted;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * One entity's state, also its snapshot: the last decision it applied and its own object, held in a
 * state that contains nothing else so that the same event handlers ({@link KernelState#apply}) serve.
 */
public record EntityState(long lastSeq, KernelState slice) implements JournalRecord {

    private static final Topology NONE =
            new Topology(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());

    public static EntityState initial(EntityId id) {
        KernelState empty =
                new KernelState(NONE, Sorted.emptyMap(), Sorted.emptyMap(), Sorted.emptyMap(), Sorted.emptyMap(), 1, 1);
        if (id.kind() == EntityId.Kind.DEVICE) {
            DeviceId device = new DeviceId(id.key());
            empty = new KernelState(
                    NONE,
                    Sorted.put(empty.devices(), device, DeviceState.absent(device)),
                    empty.groups(),
                    empty.domains(),
                    empty.files(),
                    1,
                    1);
        }
        return new EntityState(0, empty);
    }

    /** One journaled event; one in the form of an older journal is upcast with this slice first. */
    public EntityState apply(Stamped stamped) {
        return new EntityState(stamped.seq(), slice.applyAll(LegacyEvents.upcast(slice, stamped.event())));
    }

    public EntityState applyAll(long seq, List<KernelEvent> events) {
        return new EntityState(seq, slice.applyAll(LegacyEvents.upcastAll(slice, events)));
    }
}
