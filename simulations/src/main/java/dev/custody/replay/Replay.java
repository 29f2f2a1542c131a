package dev.custody.replay;

import dev.custody.model.state.KernelState;
import java.util.List;
import java.util.function.Consumer;

/**
 * Folds a journal's decisions through the pure model's event handlers ({@link KernelState#apply}),
 * from the empty machine of its topology. Nothing is decided again: the events are facts, and the
 * fold is the same one the coordinator recovers by, so its result is the engine's recovered state.
 */
public final class Replay {
    private Replay() {}

    /** Replays decisions 1..{@code lastSeq}, telling every observer each step; the state at {@code lastSeq}. */
    public static KernelState fold(JournalHistory history, long lastSeq, List<Consumer<ReplayStep>> observers) {
        KernelState state = KernelState.empty(history.topology());
        for (RecordedDecision decision : history.decisions()) {
            if (decision.seq() > lastSeq) {
                break;
            }
            KernelState after = state.applyAll(decision.events());
            ReplayStep step = new ReplayStep(decision, state, after);
            observers.forEach(observer -> observer.accept(step));
            state = after;
        }
        return state;
    }

    public static KernelState fold(JournalHistory history) {
        return fold(history, Long.MAX_VALUE, List.of());
    }
}
