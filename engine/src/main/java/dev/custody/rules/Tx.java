package dev.custody.rules;

import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import java.util.ArrayList;
import java.util.List;

/**
 * One operation in progress: the events decided so far and the state they lead to. Rules read
 * {@link #state()} and {@link #emit} facts, the way kernel code reads and writes under
 * group->mutex; {@link #rollback} undoes a failed multi-step change (the kernel's revert paths).
 */
public final class Tx {
    private KernelState state;
    private final List<KernelEvent> events = new ArrayList<>();
    private final java.util.Set<Mutant> mutants;

    public Tx(KernelState start) {
        this(start, java.util.Set.of());
    }

    public Tx(KernelState start, java.util.Set<Mutant> mutants) {
        this.state = start;
        this.mutants = java.util.Set.copyOf(mutants);
    }

    /** Whether a deliberately wrong rule is switched on (only ever by the simulator's mutant runs). */
    boolean mutated(Mutant mutant) {
        return mutants.contains(mutant);
    }

    public KernelState state() {
        return state;
    }

    public void emit(KernelEvent event) {
        state = state.apply(event);
        events.add(event);
    }

    public List<KernelEvent> events() {
        return List.copyOf(events);
    }

    public record Mark(int eventCount, KernelState state) {}

    public Mark mark() {
        return new Mark(events.size(), state);
    }

    public void rollback(Mark mark) {
        events.subList(mark.eventCount(), events.size()).clear();
        state = mark.state();
    }

    public DomainId nextDomainId() {
        return new DomainId(state.nextDomain());
    }

    public FileId nextFileId() {
        return new FileId(state.nextFile());
    }
}
