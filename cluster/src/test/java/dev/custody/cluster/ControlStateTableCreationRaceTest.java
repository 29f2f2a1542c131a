package dev.custody.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.custody.persistence.Journals;
import dev.custody.server.StateRecords;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Instances starting at once on a database that has no control state table yet all create it: the
 * ones that lose PostgreSQL's race on {@code CREATE TABLE IF NOT EXISTS} still start, and every
 * instance then keeps and reads back its own records. Each round uses a schema of its own, so the
 * table is new in every round.
 */
@Timeout(120)
class ControlStateTableCreationRaceTest {
    static final int INSTANCES = 8;
    static final int ROUNDS = 6;

    @Test
    void instancesCreatingTheTableTogetherAllStart() throws Exception {
        String url = System.getenv(ThreeNodeHandoffTest.URL);
        Assumptions.assumeTrue(
                url != null, "skipped: no PostgreSQL (" + ThreeNodeHandoffTest.URL + " is not set); ./test starts one");
        String user = System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_USER", "postgres");
        String password = System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_PASSWORD", "");
        String run = "race" + Long.toString(System.currentTimeMillis(), 36);
        ExecutorService starters = Executors.newFixedThreadPool(INSTANCES);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String schema = run + "_" + round;
                try (Connection admin = DriverManager.getConnection(url, user, password);
                        Statement create = admin.createStatement()) {
                    create.execute("CREATE SCHEMA " + schema);
                }
                Config journal = Journals.postgres(
                        url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema, user, password);
                CyclicBarrier together = new CyclicBarrier(INSTANCES);
                List<Future<List<String>>> started = new ArrayList<>();
                for (int i = 0; i < INSTANCES; i++) {
                    String instance = "i" + i;
                    started.add(starters.submit(() -> {
                        StateRecords records = ControlStateTable.of(journal, instance, Duration.ofSeconds(10))
                                .orElseThrow();
                        together.await(30, TimeUnit.SECONDS);
                        records.readAll();
                        records.append("record of " + instance);
                        records.close();
                        return ControlStateTable.of(journal, instance, Duration.ofSeconds(10))
                                .orElseThrow()
                                .readAll();
                    }));
                }
                for (int i = 0; i < INSTANCES; i++) {
                    List<String> back = started.get(i).get(60, TimeUnit.SECONDS);
                    assertEquals(List.of("record of i" + i), back, "instance i" + i + " in schema " + schema);
                }
            }
        } finally {
            starters.shutdownNow();
            assertTrue(starters.awaitTermination(10, TimeUnit.SECONDS), "the starters' threads ended");
        }
    }
}
