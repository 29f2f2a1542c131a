package dev.custody.entity;

import dev.custody.model.event.KernelEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/** Which entity each event belongs to: every event concerns exactly one kernel object. */
public final class EventRouting {
    private EventRouting() {}

    public static EntityId entityOf(KernelEvent event) {
        return EntityId.of(event.subject());
    }

    /** The decision's events split per entity, each entity's in decision order. */
    public static SequencedMap<EntityId, List<KernelEvent>> split(List<KernelEvent> events) {
        SequencedMap<EntityId, List<KernelEvent>> byEntity = new LinkedHashMap<>();
        for (KernelEvent event : events) {
            byEntity.computeIfAbsent(entityOf(event), e -> new ArrayList<>()).add(event);
        }
        return byEntity;
    }
}
