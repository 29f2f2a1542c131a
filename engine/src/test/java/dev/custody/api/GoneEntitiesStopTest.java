package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.entity.EntityId;
import dev.custody.entity.EntityState;
import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.rules.Decision;
import dev.custody.rules.ModelRandomWalkTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A closed file's actor stops once it has written its close, without waiting to be idle (file numbers
 * are never given again), and an inspection starts it again from its journal.
 */
class GoneEntitiesStopTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** How long the test waits for the closed file's actor to stop. */
    private static final Duration STOPPED_WITHIN = Duration.ofSeconds(20);

    private CustodyRuntime runtime;

    @BeforeEach
    void start() {
        runtime = TestKitRuntime.start("""
                        custody.passivate-after = 1h
                        """);
    }

    @AfterEach
    void stop() {
        runtime.close();
    }

    private static int live(EngineAdmin engine) {
        return engine.liveEntities().toCompletableFuture().join();
    }

    @Test
    void aClosedFilesActorStopsWithoutWaitingToBeIdle() throws InterruptedException {
        Topology topology = ModelRandomWalkTest.topology();
        EngineAdmin engine = EngineAdmin.start(runtime, "gone", topology, TIMEOUT)
                .toCompletableFuture()
                .join();
        engine.quiesce().toCompletableFuture().join();
        int booted = live(engine);

        Decision opened = engine.decide(new Command.ContainerOpen("c"))
                .toCompletableFuture()
                .join();
        Handle container = ((Reply.Created) ((Outcome.Ok<Reply>) opened.outcome()).value()).handle();
        engine.quiesce().toCompletableFuture().join();
        assertEquals(booted + 1, live(engine), "the open file's actor runs");

        Decision closed = engine.decide(new Command.Close(container))
                .toCompletableFuture()
                .join();
        assertEquals(Outcome.ok(Reply.NONE), closed.outcome());
        engine.quiesce().toCompletableFuture().join();
        long deadline = System.nanoTime() + STOPPED_WITHIN.toNanos();
        while (live(engine) > booted) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(live(engine) + " entity actors run " + STOPPED_WITHIN + " after the close; "
                        + booted + " expected (passivation is an hour away)");
            }
            Thread.sleep(20); // polling a count the engine brings down by itself
        }
        EngineRecoveryTest.assertEntitiesMatch(
                engine, engine.state().toCompletableFuture().join());
        EntityId file = EntityId.of(((Handle.File) container).id());
        EntityState journaled = engine.inspect(file).toCompletableFuture().join();
        assertTrue(journaled.lastSeq() > 0, "the closed file's actor recovered its journal: " + journaled);
        assertTrue(journaled.slice().files().isEmpty(), "its journal holds its close: " + journaled);
        engine.stop().toCompletableFuture().join();
    }
}
