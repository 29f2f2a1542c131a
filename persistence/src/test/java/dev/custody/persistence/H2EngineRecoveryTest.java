package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.api.EngineRecoveryTest;
import dev.custody.api.PageTableAudit;
import dev.custody.api.UserDomainPageTablesTest;
import dev.custody.invariants.Invariants;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Kernel;
import dev.custody.rules.ModelRandomWalkTest;
import dev.custody.rules.RandomWalk;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine on the embedded H2 journal, stopped with its whole actor system and started again in a
 * new one: the coordinator and every entity come back identical, through Kryo and JDBC for real.
 */
class H2EngineRecoveryTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path data;

    @Test
    void aNewActorSystemRecoversTheEngineFromH2() {
        recoverAfter(Journals.h2(data), 7);
    }

    /** With a snapshot every 7 events, recovery starts from snapshots of the coordinator and of entities. */
    @Test
    void recoveryFromSnapshotsGivesTheSameEngine() {
        recoverAfter(
                Journals.h2(data)
                        .withFallback(com.typesafe.config.ConfigFactory.parseString("custody.snapshot-every = 7")),
                8);
    }

    /**
     * Type1 and IOAS mappings through the H2 journal with a snapshot every 3 events: in a new actor
     * system each domain actor rebuilds its real table from a snapshot plus the events after it.
     */
    @Test
    void userDomainTablesAreRebuiltFromH2AndItsSnapshots() {
        Config journal = Journals.h2(data)
                .withFallback(com.typesafe.config.ConfigFactory.parseString("custody.snapshot-every = 3"));
        SchemaCreator.createIfMissing(journal);
        KernelState before;
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = EngineAdmin.start(runtime, "h2-tables", UserDomainPageTablesTest.machine(), TIMEOUT)
                    .toCompletableFuture()
                    .join();
            UserDomainPageTablesTest.mapThroughType1AndIoas(engine);
            before = engine.state().toCompletableFuture().join();
            assertEquals(4, PageTableAudit.assertTablesMatchOwners(engine, before));
            engine.stop().toCompletableFuture().join();
        }
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = EngineAdmin.start(runtime, "h2-tables", UserDomainPageTablesTest.machine(), TIMEOUT)
                    .toCompletableFuture()
                    .join();
            KernelState after = engine.state().toCompletableFuture().join();
            assertEquals(before, after);
            assertEquals(4, PageTableAudit.assertTablesMatchOwners(engine, after), "tables rebuilt from H2");
            EngineRecoveryTest.assertEntitiesMatch(engine, after);
            engine.stop().toCompletableFuture().join();
        }
    }

    private void recoverAfter(Config journal, long seed) {
        Topology topology = ModelRandomWalkTest.topology();
        List<Command<?>> commands = new RandomWalk(topology, false).commands(seed, 600);
        SchemaCreator.createIfMissing(journal);

        KernelState before;
        KernelState model = Kernel.boot(topology).state();
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = EngineAdmin.start(runtime, "h2", topology, TIMEOUT)
                    .toCompletableFuture()
                    .join();
            for (Command<?> command : commands) {
                var expected = Operations.decide(model, command);
                assertEquals(
                        expected.outcome(),
                        engine.execute(command).toCompletableFuture().join(),
                        command.toString());
                model = expected.state();
            }
            before = engine.state().toCompletableFuture().join();
            engine.stop().toCompletableFuture().join();
        }
        assertEquals(model, before);

        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = EngineAdmin.start(runtime, "h2", topology, TIMEOUT)
                    .toCompletableFuture()
                    .join();
            KernelState after = engine.state().toCompletableFuture().join();
            assertEquals(before, after, "the coordinator recovers the identical state from H2");
            assertEquals(List.of(), Invariants.check(after));
            EngineRecoveryTest.assertEntitiesMatch(engine, after);
            PageTableAudit.assertTablesMatchOwners(engine, after);
            engine.stop().toCompletableFuture().join();
        }
    }
}
