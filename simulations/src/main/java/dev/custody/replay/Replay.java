package dev.custody.replay;

import dev.custody.entity.LegacyEvents;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import java.util.List;
import java.util.function.Consumer;

/**
 * Folds a journal's decisions through the pure model's event handlers ({@link KernelState#apply}),
 * from the empty machine of its topology. Nothing is decided again: the events are facts (those an
 * older journal holds as requests are upcast first, as the coordinator does), and the fold is the same
 * one the coordinator recovers by, so its result is the engine's recovered state.
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
            // an older journal's map/unmap requests become the facts they stood for, with the state they applied to
            List<KernelEvent> events = LegacyEvents.upcastAll(state, decision.events());
            KernelState after = state.applyAll(events);
            RecordedDecision current = events == decision.events() ? decision : decision.withEvents(events);
            ReplayStep step = new ReplayStep(current, state, after);
            observers.forEach(observer -> observer.accept(step));
            state = after;
        }
        return state;
    }

    public static KernelState fold(JournalHistory history) {
        return fold(history, Long.MAX_VALUE, List.of());
    }
}
