package dev.custody.entity;

/**
 * Marker of everything the engine writes to a journal or snapshot store. The persistence module binds
 * its serializer to this type; nothing else is ever serialized (Java serialization is off).
 */
public interface JournalRecord {}
