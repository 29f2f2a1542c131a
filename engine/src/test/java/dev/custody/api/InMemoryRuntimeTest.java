package dev.custody.api;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the API tests that share one actor system on Pekko's in-memory journal; each test starts
 * its own engine instance on it (distinct persistence ids), so tests stay independent.
 */
abstract class InMemoryRuntimeTest {
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static CustodyRuntime runtime;

    @BeforeAll
    static void startRuntime() {
        runtime = CustodyRuntime.start(CustodyRuntime.inMemoryJournal());
    }

    @AfterAll
    static void stopRuntime() {
        runtime.close();
    }

    /** A new engine instance on the shared runtime, booted on {@code topology}, once it is ready. */
    static EngineAdmin started(String instance, dev.custody.model.Topology topology) {
        return EngineAdmin.start(runtime, instance, topology, TIMEOUT)
                .toCompletableFuture()
                .join();
    }
}
