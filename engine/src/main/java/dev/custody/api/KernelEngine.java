package dev.custody.api;

import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.util.concurrent.CompletionStage;

/**
 * One host kernel's decisions behind one interface: the pure model ({@link ModelEngine}) or the
 * journaled actors ({@link ActorEngine}). Scenario runs, simulations, crash tests and benchmarks
 * all drive an engine through it, so the same workload can run on either and be compared.
 */
public interface KernelEngine extends AutoCloseable {

    /**
     * Boots the topology (or, for a journaled engine whose journal exists, recovers it). The boot is
     * not ok when a boot driver cannot bind or the journal belongs to another topology.
     */
    Decision boot(Topology topology);

    /** Decides one command; the stage completes with the decision once it is as durable as the engine makes it. */
    CompletionStage<Decision> submit(Command<?> command, String operationId);

    /** As {@link #submit}, waiting for the decision. */
    Decision decide(Command<?> command, String operationId);

    /** The state after every decision answered so far. */
    KernelState state();

    /** Stops the engine; a journaled one keeps its journal for the next start. */
    @Override
    void close();
}
