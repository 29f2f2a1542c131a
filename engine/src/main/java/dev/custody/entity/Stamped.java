package dev.custody.entity;

import dev.custody.model.event.KernelEvent;

/** An entity's journal record: one event of decision {@code seq}; the seq makes re-delivery idempotent. */
public record Stamped(long seq, KernelEvent event) implements JournalRecord {}
