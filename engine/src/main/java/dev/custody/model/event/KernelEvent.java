package dev.custody.model.event;

import dev.custody.model.SubjectId;

/**
 * A fact the rules decided. State changes only by applying these ({@code KernelState.apply}). Each
 * concerns one kernel object, its {@link #subject()}, which is what lets each object be its own
 * journaled actor: the events are split by the kind of their subject into {@link DeviceEvent},
 * {@link GroupEvent}, {@link DomainEvent}, {@link FileEvent} and {@link DriverEvent}.
 *
 * <p>Journal format: each record is written as its components in declaration order under a fixed
 * registration id, so a record's components are never reordered, retyped, added or removed. A fact
 * whose meaning must change gets a new record; the old one stays readable as a {@link LegacyEvent}.
 */
public sealed interface KernelEvent permits DeviceEvent, GroupEvent, DomainEvent, FileEvent, DriverEvent {

    /** The one kernel object this fact is about. */
    SubjectId subject();
}
