package dev.custody.replay;

import dev.custody.model.state.KernelState;

/** One decision replayed: the state before it and after its events were applied. */
public record ReplayStep(RecordedDecision decision, KernelState before, KernelState after) {}
