package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import dev.custody.rules.ModelRandomWalkTest;
import dev.custody.rules.RandomWalk;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Idle device, group, domain and file actors are stopped and come back on demand, recovering from
 * their journals: a decision, an inspection and a page-table read each bring theirs back, and what they
 * hold then is what the decisions made of them. At most max-live-entities run once more are idle.
 */
class PassivationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** How long the tests wait for the engine to stop idle actors (it looks every 250 ms). */
    private static final Duration STOPPED_WITHIN = Duration.ofSeconds(20);

    private CustodyRuntime runtime;

    @BeforeEach
    void start() {
        runtime = TestKitRuntime.start("""
                        custody.snapshot-every = 5
                        custody.passivate-after = 300ms
                        custody.max-live-entities = 8
                        """);
    }

    @AfterEach
    void stop() {
        runtime.close();
    }

    private static int live(EngineAdmin engine) {
        return engine.liveEntities().toCompletableFuture().join();
    }

    /** Waits, at most {@link #STOPPED_WITHIN}, until at most {@code max} entity actors run. */
    private static void awaitAtMost(EngineAdmin engine, int max) throws InterruptedException {
        long deadline = System.nanoTime() + STOPPED_WITHIN.toNanos();
        while (live(engine) > max) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(live(engine) + " entity actors still run after " + STOPPED_WITHIN
                        + "; at most " + max + " expected");
            }
            Thread.sleep(50); // polling a count the engine's own timer brings down
        }
    }

    @Test
    void idleActorsStopAndComeBackWithWhatTheirJournalsHold() throws InterruptedException {
        Topology topology = ModelRandomWalkTest.topology();
        EngineAdmin engine = EngineAdmin.start(runtime, "idle", topology, TIMEOUT)
                .toCompletableFuture()
                .join();
        List<Command<?>> commands = new RandomWalk(topology, false).commands(5, 1500);
        KernelState model = Kernel.boot(topology).state();
        for (int n = 0; n < commands.size(); n++) {
            Decision expected = Operations.decide(model, commands.get(n));
            Decision actual =
                    engine.decide(commands.get(n)).toCompletableFuture().join();
            assertEquals(expected.outcome(), actual.outcome(), "answer " + n + " to " + commands.get(n));
            model = expected.state();
            if (n == commands.size() / 2) {
                engine.quiesce().toCompletableFuture().join();
                awaitAtMost(engine, 0); // half way: every actor stopped, the rest of the walk brings them back
            }
        }
        engine.quiesce().toCompletableFuture().join();
        awaitAtMost(engine, 0);
        KernelState state = engine.state().toCompletableFuture().join();
        assertEquals(model, state);
        EngineRecoveryTest.assertEntitiesMatch(engine, state); // every entity, started again to be asked
        assertTrue(PageTableAudit.assertTablesMatchOwners(engine, state) >= 0);
        awaitAtMost(engine, 8); // the audit brought many back; more than the cap are stopped soon
        engine.stop().toCompletableFuture().join();
    }
}
