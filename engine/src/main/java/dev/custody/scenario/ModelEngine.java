package dev.custody.scenario;

import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;

/** The pure model run sequentially: each decision's state becomes the next state. */
public final class ModelEngine implements ScenarioEngine {
    private KernelState state;

    @Override
    public Decision boot(Topology topology) {
        Decision booted = Kernel.boot(topology);
        state = booted.state();
        return booted;
    }

    @Override
    public Decision execute(Command command) {
        Decision decision = Kernel.decide(state, command);
        state = decision.state();
        return decision;
    }

    @Override
    public KernelState state() {
        return state;
    }
}
