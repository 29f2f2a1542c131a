package dev.custody.api;

import dev.custody.model.event.KernelEvent;
import java.util.List;

/** One journaled decision as listeners receive it, in decision order, after it is durable. */
public record OwnershipChange(long seq, String operationId, List<KernelEvent> events) {}
