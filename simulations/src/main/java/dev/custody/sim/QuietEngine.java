package dev.custody.sim;

import dev.custody.api.EngineAdmin;
import dev.custody.entity.StuckEntity;
import dev.custody.invariants.Invariant;
import dev.custody.invariants.Violation;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * Waits for the engine to become quiet before a run's journal is audited. An entity that cannot recover
 * from its own journal keeps the engine from ever becoming quiet: that is a violation (J4, the entity's
 * journal does not follow the acknowledged state), named with its persistence id and the journal's
 * refusal, not an exception that ends the run nor a wait for a timeout.
 */
final class QuietEngine {
    private QuietEngine() {}

    /** The last decision once every entity has written it, or the violation that stuck entities are. */
    record Quiet(long lastSeq, Optional<Violation> stuck) {}

    static Quiet quiesce(EngineAdmin admin) {
        try {
            return new Quiet(admin.quiesce().toCompletableFuture().join(), Optional.empty());
        } catch (CompletionException refused) {
            List<StuckEntity> stuck =
                    admin.stuckEntities().toCompletableFuture().join();
            if (stuck.isEmpty()) {
                throw refused; // not an entity's journal: the run ends with the engine's error
            }
            return new Quiet(-1, Optional.of(violation(stuck)));
        }
    }

    static Violation violation(List<StuckEntity> stuck) {
        return new Violation(
                Invariant.J4,
                stuck.stream().map(StuckEntity::persistenceId).toList(),
                String.join("; ", stuck.stream().map(StuckEntity::describe).toList()));
    }
}
