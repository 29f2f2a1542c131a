package dev.custody.model.event;

/**
 * A fact in the form older journals recorded it, kept only so that those journals stay readable: a
 * map or unmap request whose effect the state used to work out again while applying it. The state
 * no longer decides anything, so such an event is never applied as it is: wherever journaled events
 * are folded, it is first turned into the facts it stood for, by the rules' arithmetic with the state
 * it applied to ({@code entity.LegacyEvents.upcast}, beside the journal it is read from). The rules
 * never emit one.
 */
public sealed interface LegacyEvent
        permits DomainEvent.LegacyDomainMapped,
                DomainEvent.LegacyDomainUnmapped,
                FileEvent.LegacyType1Unmapped,
                FileEvent.LegacyIoasUnmapped {}
