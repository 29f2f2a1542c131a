package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.persistence.Journals;
import dev.custody.persistence.SchemaCreator;
import dev.custody.sim.SimTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host of 4,096 groups boots on the H2 journal and becomes quiet. Its boot starts an actor per
 * device, group and domain (about 12,000), each writing its part at once. On a loaded machine the JDBC
 * journal's default write queue (1,000) overflowed, the circuit breaker opened and entities failed
 * their recovery, and Pekko's default stash (4,096) made the coordinator drop the entities' reports
 * and never become quiet; how soon the queue overflows depends on how fast H2 drains it, so an idle
 * machine boots this host with the defaults too, and the test guards the capability, not the cause.
 */
class LargeHostBootTest {
    private static final int GROUPS = 4096;

    /** Far above what the boot takes (about half a minute on a loaded 2-core machine). */
    private static final Duration BOUND = Duration.ofMinutes(4);

    @TempDir
    Path data;

    @Test
    void aHostOfFourThousandGroupsBootsOnH2AndBecomesQuiet() throws Exception {
        var journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        Topology host = SimTopology.generate(11, GROUPS);
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = EngineAdmin.start(runtime, "large", host, BOUND)
                    .toCompletableFuture()
                    .get(BOUND.toSeconds(), TimeUnit.SECONDS);
            long quietAt = engine.quiesce().toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertEquals(1, quietAt, "the boot is the only decision, and every entity wrote its part of it");
            KernelState state = engine.state().toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertEquals(GROUPS, state.groups().size(), "every group of the host is there");
            assertTrue(
                    engine.liveEntities().toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS) > 0,
                    "the entities were started");
            engine.stop().toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
        }
    }
}
