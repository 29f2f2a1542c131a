package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;

/** What the agents race against: the pure model, or the journaled actor engine. */
interface SimEngine extends AutoCloseable {
    Decision decide(Command command, String operationId);

    KernelState state();

    @Override
    void close();
}
