package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import dev.custody.rules.Mutant;
import java.util.Set;

/** The pure model on the calling thread; the only engine that takes mutants. */
final class ModelSimEngine implements SimEngine {
    private final Set<Mutant> mutants;
    private KernelState state;

    ModelSimEngine(Topology topology, Set<Mutant> mutants) {
        this.mutants = Set.copyOf(mutants);
        this.state = Kernel.boot(topology).state();
    }

    @Override
    public synchronized Decision decide(Command command, String operationId) {
        Decision decision = Kernel.decide(state, command, mutants);
        state = decision.state();
        return decision;
    }

    @Override
    public synchronized KernelState state() {
        return state;
    }

    @Override
    public void close() {
    }
}
