package dev.custody.scenario;

import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;

/**
 * What runs a scenario's commands. The pure model is one engine; the actor engine is another, and
 * both must print the same lines for the same file.
 */
public interface ScenarioEngine {

    /** Starts from the topology's boot state; a failed boot (a boot driver that cannot bind) is not ok. */
    Decision boot(Topology topology);

    Decision execute(Command command);

    KernelState state();
}
