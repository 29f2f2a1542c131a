package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.api.ModelEngine;
import dev.custody.api.OwnershipChange;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.rules.Decision;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The journal-order checker of a concurrent run holds only the calls in flight: a long run's calls
 * that changed nothing are forgotten as they are answered, and the journaled ones as they are checked.
 */
class JournalOrderCheckerTest {
    private static final int CALLS = 3_000;

    @Test
    void callsAnsweredOrJournaledAreNotKept() {
        long seed = 5;
        Topology topology = SimTopology.generate(seed, 32);
        ModelEngine engine = ModelEngine.booted(topology, Set.of());
        JournalOrderChecker checker =
                new JournalOrderChecker(engine.state(), CheckMode.INCREMENTAL, DecisionObserver.NONE);
        SimSettings settings =
                new SimSettings(seed, 32, CALLS, Optional.empty(), true, Optional.empty(), "none", Set.of(), 2, 2);
        List<Agent> agents = Agents.all(settings, topology, checker::shadow);
        Random scheduler = new Random(seed);
        long unchanged = 0;
        long journaled = 0;
        for (int n = 0; n < CALLS; n++) {
            Agent agent = agents.get(scheduler.nextInt(agents.size()));
            Command<?> command = agent.next();
            String operationId = agent.name() + "-" + n;
            checker.sent(operationId, agent.name(), command);
            Decision decision = engine.decide(command, operationId);
            if (decision.events().isEmpty()) {
                checker.answeredUnchanged(operationId);
                unchanged++;
            } else {
                checker.journaled(new OwnershipChange(++journaled, operationId, decision.events()));
            }
            agent.observe(command, decision.outcome());
        }
        assertTrue(
                unchanged > CALLS / 10 && journaled > CALLS / 10,
                unchanged + " unchanged, " + journaled + " journaled");
        assertEquals(Optional.empty(), checker.failure(), "the checks of a correct engine");
        assertEquals(journaled, checker.checked(), "every journaled decision checked");
        assertEquals(0, checker.callsInFlight(), "calls kept after every one was answered or checked");
    }
}
