package dev.custody.entity;

import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the coordinator has decided since its last journal write, to be written in one go: a durable
 * write costs far more than a decision, so every command that arrives while a write is under way is
 * decided at once, against the state the waiting decisions lead to, and all of them (decisions and
 * refusals alike) share the next write and its sync. No decision is answered or delivered before that
 * write. A command that changed nothing is answered with the write of the decisions it was decided
 * against, or at once when it saw none waiting ({@link #answeredAtOnce}); its own record goes into the
 * next write either way.
 *
 * @param <C> who waits for an answer
 */
final class GroupCommit<C> {

    /**
     * One answered command waiting for the write: its record ({@link KernelJournal.Decided} or
     * {@link KernelJournal.Answered}), the decision, and who waits for it (the caller, then any retry
     * that came under the same operation id meanwhile).
     */
    static final class Entry<C> {
        final KernelJournal record;
        final Decision decision;
        final List<C> callers = new ArrayList<>(1);
        /** Its callers were answered when it was decided: it changed nothing and saw only durable decisions. */
        boolean answered;

        Entry(KernelJournal record, Decision decision, C caller) {
            this.record = record;
            this.decision = decision;
            if (caller != null) {
                this.callers.add(caller);
            }
        }

        CommandRecord command() {
            return switch (record) {
                case KernelJournal.Decided d -> d.command();
                case KernelJournal.Answered a -> a.command();
                default -> throw new IllegalStateException("not a command's record: " + record);
            };
        }
    }

    private List<Entry<C>> entries = new ArrayList<>();
    private final Map<String, Entry<C>> byOperation = new HashMap<>();
    private int decisions;
    private KernelState decidedState;

    /** The state the next command is decided against: the journaled state plus the waiting decisions. */
    KernelState stateFor(KernelState journaled) {
        return decisions == 0 ? journaled : decidedState;
    }

    /** The number the next decision gets. */
    long nextSeq(long journaledLastSeq) {
        return journaledLastSeq + decisions + 1;
    }

    /** The newest decision, journaled or waiting: what a command decided now is decided after. */
    long lastSeq(long journaledLastSeq) {
        return journaledLastSeq + decisions;
    }

    /** The number of the newest waiting decision with events for this entity, or 0. */
    long lastIntentFor(EntityId entity) {
        long last = 0;
        for (Entry<C> entry : entries) {
            if (entry.record instanceof KernelJournal.Decided decided
                    && decided.events().stream()
                            .anyMatch(e -> EventRouting.entityOf(e).equals(entity))) {
                last = decided.seq();
            }
        }
        return last;
    }

    void decided(KernelJournal.Decided record, C caller, Decision decision) {
        add(new Entry<>(record, decision, caller));
        decisions++;
        decidedState = decision.state();
    }

    void answered(KernelJournal.Answered record, C caller, Decision decision) {
        add(new Entry<>(record, decision, caller));
    }

    /** A command that changed nothing whose caller has been answered already: only its record waits. */
    void recorded(KernelJournal.Answered record, Decision decision) {
        Entry<C> entry = new Entry<>(record, decision, null);
        entry.answered = true;
        add(entry);
    }

    /**
     * A command that changed nothing, decided when no decision waited for its write: every decision it
     * saw is durable, so its caller is answered now; its record waits for the next write.
     */
    boolean answeredAtOnce(KernelJournal.Answered record, C caller, Decision decision) {
        Entry<C> entry = new Entry<>(record, decision, caller);
        entry.answered = decisions == 0;
        add(entry);
        return entry.answered;
    }

    /** The waiting command the caller named with this id of its own, if one waits. */
    Optional<Entry<C>> pending(String caller, String operationId) {
        return Optional.ofNullable(byOperation.get(RecentOperation.key(caller, operationId)));
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Takes everything out for one write; the batch is empty afterwards. */
    List<Entry<C>> drain() {
        List<Entry<C>> written = entries;
        entries = new ArrayList<>();
        byOperation.clear();
        decisions = 0;
        decidedState = null;
        return written;
    }

    private void add(Entry<C> entry) {
        entries.add(entry);
        CommandRecord command = entry.command();
        boolean unauthorized = entry.record instanceof KernelJournal.Answered a && a.unauthorized();
        if (command.callersId() && !unauthorized) { // a refusal for want of a capability is checked again on retry
            byOperation.put(RecentOperation.key(command.caller(), command.operationId()), entry);
        }
    }
}
