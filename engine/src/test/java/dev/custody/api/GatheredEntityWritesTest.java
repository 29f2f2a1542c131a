package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.entity.EntityId;
import dev.custody.entity.EntityState;
import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.rules.Decision;
import dev.custody.rules.ModelRandomWalkTest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Entities' parts are gathered before they are sent (here for an hour, so only a release can send
 * them): whoever must see an entity gets it with every durable decision applied, without waiting out
 * the gathering.
 */
class GatheredEntityWritesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Far below the hour of gathering: a call that waited for the timer would fail here. */
    private static final long ANSWER_WITHIN_SECONDS = 20;

    private CustodyRuntime runtime;

    @BeforeEach
    void start() {
        runtime = TestKitRuntime.start("""
                        custody.gather-entity-writes-for = 1h
                        """);
    }

    @AfterEach
    void stop() {
        runtime.close();
    }

    @Test
    void anInspectionAndAQuiesceReleaseWhatWasGathered() throws Exception {
        EngineAdmin engine = EngineAdmin.start(runtime, "gathered", ModelRandomWalkTest.topology(), TIMEOUT)
                .toCompletableFuture()
                .get(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS); // a start waits to be settled: released too

        Decision opened = engine.decide(new Command.ContainerOpen("c"))
                .toCompletableFuture()
                .get(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS);
        Handle container = ((Reply.Created) ((Outcome.Ok<Reply>) opened.outcome()).value()).handle();
        EntityId file = EntityId.of(((Handle.File) container).id());
        EntityState inspected = engine.inspect(file).toCompletableFuture().get(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS);
        assertFalse(inspected.slice().files().isEmpty(), "the inspection sees the open it released: " + inspected);

        Decision closed = engine.decide(new Command.Close(container))
                .toCompletableFuture()
                .get(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS);
        assertEquals(Outcome.ok(Reply.NONE), closed.outcome());
        engine.quiesce().toCompletableFuture().get(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS);
        EngineRecoveryTest.assertEntitiesMatch(
                engine, engine.state().toCompletableFuture().join());
        EntityState afterClose =
                engine.inspect(file).toCompletableFuture().get(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS);
        assertTrue(afterClose.slice().files().isEmpty(), "the close reached the file's journal: " + afterClose);
        engine.stop().toCompletableFuture().get(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS);
    }
}
