package dev.custody.model;

/**
 * The id of a kernel object that journals its own events: a device, a group, a domain, an open file or a driver.
 * Every event names exactly one ({@code KernelEvent.subject()}), which is what routes it to its actor.
 */
public sealed interface SubjectId permits DeviceId, GroupId, DomainId, FileId, DriverName {}
