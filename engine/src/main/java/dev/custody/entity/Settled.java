package dev.custody.entity;

import java.util.List;

/**
 * An engine as quiet as it can be: every entity that can recover from its journal has written every
 * decision up to {@code lastSeq}, and {@code stuck} names those that cannot (each with its persistence
 * id and the journal's refusal), whose decisions stay open in the engine's journal. What a start waits
 * for: a stuck entity is reported, not waited for.
 */
public record Settled(long lastSeq, List<StuckEntity> stuck) {
    public Settled {
        stuck = List.copyOf(stuck);
    }

    /** Every entity has written every decision: the engine is quiet. */
    public boolean quiet() {
        return stuck.isEmpty();
    }
}
