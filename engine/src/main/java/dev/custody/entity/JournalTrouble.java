package dev.custody.entity;

/**
 * Published on the actor system's event stream when an engine's coordinator could not write to or
 * recover from its journal, with or without a caller waiting: whoever routes requests to engines
 * (the cluster's shards) learns the journal is failing even when the write that failed was the
 * coordinator's own bookkeeping, which answers nobody.
 */
public record JournalTrouble(String instance, String cause) {}
