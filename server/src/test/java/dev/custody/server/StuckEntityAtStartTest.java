package dev.custody.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.entity.StuckEntity;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.persistence.JournalSpec;
import dev.custody.persistence.TornRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server whose start has an open decision for a device whose journal holds a torn row (issue 13): the
 * start does not wait for that device, which is stuck within a second or so, but serves, says which
 * entity is stuck and why (persistence id, row, reason), lists it in query-metrics, and answers.
 */
@Timeout(180)
class StuckEntityAtStartTest {
    private static final String INSTANCE = "stuckstart";
    private static final DeviceId DEVICE = new DeviceId("0000:00:04.0");
    private static final String PERSISTENCE_ID = INSTANCE + "|device|" + DEVICE.name();
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(60);
    /** Far above the second or so a torn row takes to make its entity stuck; far below the asks' timeout. */
    private static final Duration BOUND = Duration.ofSeconds(30);

    private static ObjectNode request(String text) throws Exception {
        return (ObjectNode) TestClient.JSON.readTree(text);
    }

    @Test
    void aServerStartsWithAStuckDeviceReportsItAndAnswers() throws Exception {
        Path directory = Files.createTempDirectory("custody-stuck-start");
        JournalSpec journal =
                JournalSpec.parse("h2:" + directory.resolve("journal")).prepared();
        Path socket = directory.resolve("custody.sock");
        ServerSettings settings = ServerSettings.of(socket, INSTANCE, Topologies.threeGroups())
                .withState(Optional.of(directory.resolve("serve")), Optional.of(journal.config()))
                .withEngineTimeout(ASK_TIMEOUT);

        try (CustodyRuntime runtime = CustodyRuntime.start(journal.config())) {
            EngineAdmin engine = start(runtime, settings);
            engine.execute(new Command.DriverBind(DEVICE, "vfio-pci"))
                    .toCompletableFuture()
                    .join();
            engine.quiesce().toCompletableFuture().join();
            engine.stop().toCompletableFuture().join();
        }
        long torn = TornRows.lastRow(journal.config(), PERSISTENCE_ID);
        TornRows.tear(journal.config(), PERSISTENCE_ID, torn);

        // the engine's journal is whole: the unbind is answered, and stays open for the device, which is stuck
        try (CustodyRuntime runtime = CustodyRuntime.start(journal.config())) {
            EngineAdmin engine = start(runtime, settings);
            assertTrue(engine.execute(new Command.DriverUnbind(DEVICE))
                    .toCompletableFuture()
                    .join()
                    .isOk());
            String refusal = assertTimeoutPreemptively(
                    BOUND, () -> quiesceRefusal(engine), "waited for quiesce to name the stuck device");
            assertTrue(refusal.contains(PERSISTENCE_ID + " is stuck"), refusal);
            engine.halt().toCompletableFuture().join();
        }
        List<String> rows = TornRows.rows(journal.config(), PERSISTENCE_ID);

        try (CustodyRuntime runtime = CustodyRuntime.start(journal.config())) {
            EngineAdmin engine = start(runtime, settings);
            ControlServer server = assertTimeoutPreemptively(
                    BOUND,
                    () -> ControlServer.start(settings, engine),
                    "waited for the server to start with an open decision for the stuck device");
            try (server;
                    TestClient client = new TestClient(socket)) {
                List<StuckEntity> stuck = server.stuckAtStart();
                assertEquals(
                        List.of(PERSISTENCE_ID),
                        stuck.stream().map(StuckEntity::persistenceId).toList());
                String line = stuck.getFirst().describe();
                System.out.println("started with: " + line);
                assertTrue(line.contains(PERSISTENCE_ID + " is stuck"), line);
                assertTrue(
                        line.contains("the row with sequence number " + torn + " of persistence id " + PERSISTENCE_ID),
                        line);
                assertTrue(line.contains("cannot be read"), line);

                JsonNode metrics =
                        client.call(request("{\"execute\": \"query-metrics\"}")).get("return");
                JsonNode listed = metrics.get("stuckEntities");
                assertEquals(1, listed.size(), metrics.toString());
                assertEquals(PERSISTENCE_ID, listed.get(0).get("persistenceId").asText());
                assertTrue(listed.get(0).get("reason").asText().contains("sequence number " + torn), listed.toString());

                JsonNode answered = client.call(
                        request(
                                "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:05.0\", \"driver\": \"vfio-pci\"}}"));
                assertTrue(answered.has("return"), "a healthy device is answered: " + answered);
                JsonNode aboutStuck = client.call(
                        request(
                                "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}"));
                assertTrue(aboutStuck.has("return"), "a decision about the stuck device is answered: " + aboutStuck);
            } finally {
                engine.halt().toCompletableFuture().join();
            }
        }
        assertEquals(
                rows,
                TornRows.rows(journal.config(), PERSISTENCE_ID),
                "nothing is written to the journal of a stuck entity");
    }

    private static EngineAdmin start(CustodyRuntime runtime, ServerSettings settings) {
        return EngineAdmin.start(runtime, INSTANCE, settings.topology(), ASK_TIMEOUT)
                .toCompletableFuture()
                .join();
    }

    /** Quiesce, which must fail: its message. */
    private static String quiesceRefusal(EngineAdmin engine) {
        try {
            long quiet = engine.quiesce().toCompletableFuture().join();
            return fail("quiesce succeeded at decision " + quiet + " with a device that cannot recover");
        } catch (CompletionException refused) {
            return String.valueOf(refused.getCause().getMessage());
        }
    }
}
