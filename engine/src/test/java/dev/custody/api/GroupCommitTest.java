package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.invariants.Invariants;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import dev.custody.rules.ModelRandomWalkTest;
import dev.custody.rules.RandomWalk;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Thousands of calls in flight at once, so the coordinator decides many commands against intents
 * not yet written and writes them in shared batches. Sent from one thread, they reach the
 * coordinator in order, so every answer must still be the pure model's sequential answer; the
 * entities, a restart (which folds the journal instead of reusing the decided states) and the
 * invariants must all agree.
 */
class GroupCommitTest extends InMemoryRuntimeTest {

    @Test
    void callsInFlightTogetherGetTheSequentialAnswers() {
        Topology topology = ModelRandomWalkTest.topology();
        List<Command<?>> commands = new RandomWalk(topology, false).commands(7, 3000);
        EngineAdmin engine = started("group-commit", topology);
        List<CompletableFuture<Decision>> answers = new ArrayList<>();
        for (Command<?> command : commands) {
            answers.add(engine.decide(command).toCompletableFuture()); // no waiting: all in flight
        }
        KernelState model = Kernel.boot(topology).state();
        for (int i = 0; i < commands.size(); i++) {
            Decision expected = Operations.decide(model, commands.get(i));
            assertEquals(expected.outcome(), answers.get(i).join().outcome(), "answer " + i + " to " + commands.get(i));
            model = expected.state();
        }
        engine.quiesce().toCompletableFuture().join();
        KernelState before = engine.state().toCompletableFuture().join();
        assertEquals(model, before);
        EngineRecoveryTest.assertEntitiesMatch(engine, before);
        engine.stop().toCompletableFuture().join();

        EngineAdmin recovered = started("group-commit", topology);
        KernelState after = recovered.state().toCompletableFuture().join();
        assertEquals(before, after, "folding the journal gives the state the decisions computed");
        assertEquals(List.of(), Invariants.check(after));
        recovered.stop().toCompletableFuture().join();
    }
}
