package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A run's trace holds the window, however long the run, and what it keeps replays from the state it
 * says it starts in.
 */
class TraceWindowTest {
    private static final int WINDOW = 1_000;

    @Test
    void aLongRunKeepsTheWindowAndItsStartingState() {
        Topology topology = SimTopology.forRun(3, 8, Schedule.RANDOM);
        KernelState booted = Kernel.boot(topology).state();
        SimSettings settings =
                new SimSettings(3, 8, 0, Optional.empty(), true, Optional.empty(), "none", Set.of(), 2, 2);
        KernelState[] state = {booted};
        List<Agent> agents = Agents.all(settings, topology, () -> state[0]);
        Random scheduler = new Random(3);
        TraceWindow window = new TraceWindow(WINDOW);
        int calls = 30 * WINDOW;
        for (int i = 0; i < calls; i++) {
            Agent agent = agents.get(scheduler.nextInt(agents.size()));
            Command<?> command = agent.next();
            Decision decision = Operations.decide(state[0], command);
            window.add(state[0], new TraceEntry(agent.name(), command, decision.outcome()));
            agent.observe(command, decision.outcome());
            state[0] = decision.state();
            assertTrue(
                    window.keptCalls() <= WINDOW + WINDOW / 16,
                    "after " + (i + 1) + " calls the trace holds " + window.keptCalls());
        }
        assertEquals(calls, window.calls());
        TraceWindow.Kept kept = window.kept(booted);
        assertTrue(
                kept.entries().size() >= WINDOW,
                "keeps at least the window: " + kept.entries().size());
        assertEquals(calls, kept.dropped() + kept.entries().size());
        // the kept calls decided again from where the window says they start end where the run ended
        KernelState replayed = kept.start();
        for (TraceEntry entry : kept.entries()) {
            Decision decision = Operations.decide(replayed, entry.command());
            assertEquals(entry.outcome(), decision.outcome(), entry.command().toString());
            replayed = decision.state();
        }
        assertEquals(state[0], replayed);
    }

    @Test
    void nothingIsDroppedWithinTheWindow() {
        TraceWindow window = new TraceWindow(WINDOW);
        Topology topology = SimTopology.forRun(3, 8, Schedule.RANDOM);
        KernelState booted = Kernel.boot(topology).state();
        assertEquals(0, window.kept(booted).dropped());
        assertEquals(booted, window.kept(booted).start());
    }
}
