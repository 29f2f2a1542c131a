package dev.custody.entity;

import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the coordinator has decided or confirmed since its last journal write, to be written in one
 * go: a journal round trip costs far more than a decision, so every command that arrives while a
 * write is under way is decided at once, against the state the waiting intents lead to, and all of
 * their intents and all confirmed decisions' marks share the next write. Nothing here is answered or
 * fanned out before that write: the order intent, effect, mark, answer is kept for each decision.
 *
 * @param <C> who waits for an answer
 */
final class GroupCommit<C> {

    /** A decided intent waiting for the write, with who waits for its answer. */
    record Intent<C>(KernelJournal.DecisionTaken taken, C caller, Decision decision) {}

    /** A decision that changed nothing, decided against not-yet-written intents: answered after them. */
    record Answer<C>(C caller, Decision decision) {}

    private final List<Intent<C>> intents = new ArrayList<>();
    private final List<Answer<C>> answers = new ArrayList<>();
    private final List<DecisionDelivery.Confirmed<C>> confirmed = new ArrayList<>();
    private KernelState decidedState;

    /** The state the next command is decided against: the journaled state plus the waiting intents. */
    KernelState stateFor(KernelState journaled) {
        return intents.isEmpty() ? journaled : decidedState;
    }

    /** The number the next intent gets. */
    long nextSeq(long journaledLastSeq) {
        return journaledLastSeq + intents.size() + 1;
    }

    boolean hasIntents() {
        return !intents.isEmpty();
    }

    /** The number of the newest waiting intent with events for this entity, or 0. */
    long lastIntentFor(EntityId entity) {
        long last = 0;
        for (Intent<C> intent : intents) {
            if (intent.taken().events().stream()
                    .anyMatch(e -> EventRouting.entityOf(e).equals(entity))) {
                last = intent.taken().seq();
            }
        }
        return last;
    }

    void intent(KernelJournal.DecisionTaken taken, C caller, Decision decision) {
        intents.add(new Intent<>(taken, caller, decision));
        decidedState = decision.state();
    }

    void answer(C caller, Decision decision) {
        answers.add(new Answer<>(caller, decision));
    }

    /** A decision every entity has confirmed: its mark waits for the write, then its caller is answered. */
    void confirmed(DecisionDelivery.Confirmed<C> decision) {
        confirmed.add(decision);
    }

    boolean isEmpty() {
        return intents.isEmpty() && answers.isEmpty() && confirmed.isEmpty();
    }

    /** Takes everything out for one write; the batch is empty afterwards. */
    Written<C> drain() {
        List<DecisionDelivery.Confirmed<C>> marks = new ArrayList<>(confirmed);
        marks.sort(Comparator.comparingLong(c -> c.taken().seq())); // subscribers hear decisions in order
        Written<C> written = new Written<>(List.copyOf(marks), List.copyOf(intents), List.copyOf(answers));
        intents.clear();
        answers.clear();
        confirmed.clear();
        decidedState = null;
        return written;
    }

    /** One write's content: marks first, then intents, in decision order. */
    record Written<C>(List<DecisionDelivery.Confirmed<C>> marks, List<Intent<C>> intents, List<Answer<C>> answers) {
        List<KernelJournal> records() {
            List<KernelJournal> records = new ArrayList<>();
            marks.forEach(mark ->
                    records.add(new KernelJournal.DecisionApplied(mark.taken().seq())));
            intents.forEach(intent -> records.add(intent.taken()));
            return records;
        }
    }
}
