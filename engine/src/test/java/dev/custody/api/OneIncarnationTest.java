package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Topology;
import dev.custody.rules.ModelRandomWalkTest;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * One engine instance has one incarnation on a runtime at a time, so its coordinator and entity
 * actors are the only writers of their persistence ids: a second start is refused while it runs,
 * waits while it stops, and a start that fails leaves nothing running behind.
 */
class OneIncarnationTest extends InMemoryRuntimeTest {
    private static final Topology TOPOLOGY = ModelRandomWalkTest.topology();

    private static EngineAdmin start(String instance) {
        return EngineAdmin.start(runtime, instance, TOPOLOGY, TIMEOUT)
                .toCompletableFuture()
                .join();
    }

    private static final DeviceId DEVICE = TOPOLOGY.devices().firstEntry().getKey();

    /** A change every incarnation can see: the device's driver_override. */
    private static void overrideDriver(EngineAdmin engine) {
        var decision = engine.decide(new Command.DriverOverride(DEVICE, Optional.of("vfio-pci")))
                .toCompletableFuture()
                .join();
        assertTrue(decision.outcome().isOk(), decision.outcome().toString());
    }

    private static Optional<String> overrideIn(EngineAdmin engine) {
        return engine.state().toCompletableFuture().join().device(DEVICE).override();
    }

    @Test
    void aSecondStartWhileTheEngineRunsIsRefused() {
        EngineAdmin engine = start("solo");
        CompletionException refused = assertThrows(CompletionException.class, () -> start("solo"));
        assertTrue(refused.getCause().getMessage().contains("engine solo is already running"), refused.toString());
        overrideDriver(engine); // the running engine is untouched
        engine.stop().toCompletableFuture().join();
        EngineAdmin again = start("solo");
        assertEquals(Optional.of("vfio-pci"), overrideIn(again), "the next incarnation recovered what the first wrote");
        again.stop().toCompletableFuture().join();
    }

    @Test
    void aStartWhileTheEngineIsHaltingWaitsForItToBeGone() {
        EngineAdmin engine = start("halting");
        overrideDriver(engine);
        CompletableFuture<Long> halted = engine.halt().toCompletableFuture(); // not waited for
        EngineAdmin next = start("halting");
        assertEquals(Optional.of("vfio-pci"), overrideIn(next));
        halted.join();
        next.stop().toCompletableFuture().join();
    }

    @Test
    void aStartThatFailsLeavesNothingRunning() {
        start("refused").stop().toCompletableFuture().join();
        Topology other = new Topology(TOPOLOGY.iommus(), TOPOLOGY.drivers(), new java.util.LinkedHashMap<>());
        CompletionException refused = assertThrows(CompletionException.class, () -> started("refused", other));
        assertTrue(refused.getCause().getMessage().contains("belongs to another topology"), refused.toString());
        start("refused").stop().toCompletableFuture().join(); // not "already running"
    }
}
