package dev.custody.api;

import dev.custody.model.Command;
import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import dev.custody.rules.Mutant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The pure model as an engine: each decision's state becomes the next state, on the caller's
 * thread (callers are serialized, as the kernel's locks serialize them). The only engine that takes
 * mutants, the deliberately wrong rules the simulator's checks must catch.
 */
public final class ModelEngine implements KernelEngine {
    private final Set<Mutant> mutants;
    private KernelState state;

    public ModelEngine() {
        this(Set.of());
    }

    public ModelEngine(Set<Mutant> mutants) {
        this.mutants = Set.copyOf(mutants);
    }

    /** An engine already booted on {@code topology}; throws when the boot fails. */
    public static ModelEngine booted(Topology topology, Set<Mutant> mutants) {
        ModelEngine engine = new ModelEngine(mutants);
        Decision boot = engine.boot(topology);
        if (!boot.outcome().isOk()) {
            throw new IllegalStateException("the topology does not boot: "
                    + boot.outcome().explanation().orElse(""));
        }
        return engine;
    }

    @Override
    public synchronized Decision boot(Topology topology) {
        Optional<String> tooLarge = HeapNeed.refusal(topology, false);
        if (tooLarge.isPresent()) { // refused before the state is built, not by an OutOfMemoryError in it
            return new Decision(List.of(), Outcome.fail(Errno.ENOMEM, tooLarge.get()), KernelState.empty(topology));
        }
        Decision booted = Kernel.boot(topology);
        state = booted.state();
        return booted;
    }

    @Override
    public CompletionStage<Decision> submit(Command<?> command, String operationId) {
        return CompletableFuture.completedFuture(decide(command, operationId));
    }

    @Override
    public synchronized Decision decide(Command<?> command, String operationId) {
        Decision decision = Operations.decide(state, command, mutants);
        state = decision.state();
        return decision;
    }

    @Override
    public synchronized KernelState state() {
        return state;
    }

    @Override
    public void close() {}
}
