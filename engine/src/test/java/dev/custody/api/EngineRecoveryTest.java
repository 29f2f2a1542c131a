package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.invariants.Invariants;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import dev.custody.rules.ModelRandomWalkTest;
import dev.custody.rules.RandomWalk;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An engine stopped and started again on its journal comes back identical: the coordinator's state,
 * and every device, group, domain and file actor's own state, after a few thousand random calls.
 */
public class EngineRecoveryTest extends InMemoryRuntimeTest {

    private static EngineAdmin startEngine(String instance, Topology topology) {
        return EngineAdmin.start(runtime, instance, topology, TIMEOUT)
                .toCompletableFuture()
                .join();
    }

    @Test
    void aRestartedEngineRecoversEveryEntity() {
        Topology topology = ModelRandomWalkTest.topology();
        List<Command<?>> commands = walkLeavingPageTables(topology);
        EngineAdmin engine = startEngine("recovery", topology);
        KernelState model = Kernel.boot(topology).state();
        for (Command<?> command : commands) {
            Decision modelDecision = Operations.decide(model, command);
            Decision actorDecision =
                    engine.decide(command).toCompletableFuture().join();
            assertEquals(modelDecision.outcome(), actorDecision.outcome(), "answer to " + command);
            model = modelDecision.state();
        }
        KernelState before = engine.state().toCompletableFuture().join();
        assertEquals(model, before);
        engine.stop().toCompletableFuture().join();

        EngineAdmin recovered = startEngine("recovery", topology);
        KernelState after = recovered.state().toCompletableFuture().join();
        assertEquals(before, after, "the coordinator recovers the identical state");
        assertEquals(List.of(), Invariants.check(after), "invariants hold after recovery");
        assertEntitiesMatch(recovered, after);
        assertTrue(PageTableAudit.assertTablesMatchOwners(recovered, after) > 0, "the walk left domains with tables");
        recovered.stop().toCompletableFuture().join();
    }

    /**
     * A walk of 2,500 user-space calls after which some domain holds mappings, so the restart must
     * rebuild real page tables: the first seed from 42 whose walk ends that way, found on the model.
     */
    private static List<Command<?>> walkLeavingPageTables(Topology topology) {
        RandomWalk walk = new RandomWalk(topology, false);
        for (long seed = 42; seed < 62; seed++) {
            List<Command<?>> commands = walk.commands(seed, 2500);
            KernelState end = Kernel.boot(topology).state();
            for (Command<?> command : commands) {
                end = Operations.decide(end, command).state();
            }
            if (end.domains().values().stream()
                    .anyMatch(d -> d.use().pageTable().isPresent())) {
                return commands;
            }
        }
        throw new AssertionError("no walk of seeds 42-61 left a domain with a page table");
    }

    @Test
    void aJournalOfAnotherTopologyIsRefused() {
        Topology topology = ModelRandomWalkTest.topology();
        EngineAdmin engine = startEngine("other-topology", topology);
        engine.stop().toCompletableFuture().join();
        Topology smaller = new Topology(topology.iommus(), topology.drivers(), new java.util.LinkedHashMap<>());
        var failure =
                EngineAdmin.start(runtime, "other-topology", smaller, TIMEOUT).toCompletableFuture();
        Throwable thrown = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class, failure::join);
        assertTrue(thrown.getCause().getMessage().contains("belongs to another topology"), thrown.toString());
    }

    /** Every entity's own journaled object equals the coordinator's view of it. */
    public static void assertEntitiesMatch(EngineAdmin engine, KernelState state) {
        assertEquals(List.of(), EntityAudit.compare(engine, state, 5));
    }
}
