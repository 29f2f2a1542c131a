package dev.custody.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.model.Command;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.persistence.JournalSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server killed and started again on the same H2 journal and state directory: named holders are
 * back, the files of connections that died with it are closed, a retry gets its original answer, and
 * an operation the engine journaled but the dead server never answered is answered from the journal,
 * not applied a second time.
 */
@Timeout(180)
class RestartTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static ObjectNode request(String text) throws Exception {
        return (ObjectNode) TestClient.JSON.readTree(text);
    }

    @Test
    void afterACrashRetriesGetTheirAnswersAndNothingIsAppliedTwice() throws Exception {
        Path directory = Files.createTempDirectory("custody-restart");
        JournalSpec journal =
                JournalSpec.parse("h2:" + directory.resolve("journal")).prepared();
        Path stateDirectory = directory.resolve("serve");
        Path socket = directory.resolve("custody.sock");
        ServerSettings settings = ServerSettings.of(socket, "restart", Topologies.threeGroups())
                .withState(Optional.of(stateDirectory), Optional.of(journal.config()));

        JsonNode firstOpen;
        String user;
        try (CustodyRuntime runtime = CustodyRuntime.start(journal.config())) {
            EngineAdmin custody = EngineAdmin.start(runtime, "restart", settings.topology(), TIMEOUT)
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            ControlServer server = ControlServer.start(settings, custody);
            user = Files.getOwner(socket).getName();
            TestClient vm = new TestClient(socket);
            TestClient scratch = new TestClient(socket);
            vm.call(
                    request(
                            "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}, \"opid\": \"bind\"}"));
            firstOpen = vm.call(
                    request(
                            "{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\", \"holder\": \"vm\", \"opid\": \"open-g\", \"id\": 1}"));
            assertTrue(firstOpen.has("return"), firstOpen.toString());
            scratch.call(request("{\"execute\": \"iommufd.open\", \"as\": \"tmp\"}"));

            // the server asked the engine, the engine journaled it, and the server died before answering
            String retry =
                    "{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"holder\": \"vm\", \"opid\": \"open-c\"}";
            Request parsed = Request.parse(retry.getBytes(StandardCharsets.UTF_8), retry.length());
            ObjectNode step = request("{\"op\": \"vfio.container.open\", \"as\": \"c\"}");
            try (StateLog log = new StateLog(JsonLines.at(stateDirectory.resolve(ControlServer.STATE_LOG)))) {
                log.intent(
                        Service.operationId(PeerCredentials.of(user, user), "open-c"),
                        new HandleTable("holder:vm", user),
                        "vfio.container.open",
                        99,
                        step,
                        Service.fingerprint(parsed));
            }
            custody.decide(
                            new Command.ContainerOpen("c"),
                            Service.operationId(PeerCredentials.of(user, user), "open-c"))
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            server.crash();
            vm.close();
            scratch.close();
            custody.halt().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }

        try (CustodyRuntime runtime = CustodyRuntime.start(journal.config())) {
            EngineAdmin custody = EngineAdmin.start(runtime, "restart", settings.topology(), TIMEOUT)
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            try (ControlServer server = ControlServer.start(settings, custody);
                    TestClient vm = new TestClient(socket)) {
                assertEquals(1, server.connections());
                KernelState state = custody.state().toCompletableFuture().get(60, TimeUnit.SECONDS);
                assertTrue(
                        state.filesOf(OpenFile.IommufdFile.class).noneMatch(OpenFile::fdOpen),
                        "the file of the connection that died with the server was closed");

                JsonNode again = vm.call(
                        request(
                                "{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\", \"holder\": \"vm\", \"opid\": \"open-g\", \"id\": 1}"));
                assertEquals(firstOpen, again, "a retry after the restart gets the original answer");

                JsonNode journaled = vm.call(
                        request(
                                "{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"holder\": \"vm\", \"opid\": \"open-c\"}"));
                assertTrue(
                        journaled.has("return") && journaled.at("/return/seq").asLong() > 0, journaled.toString());
                assertEquals(
                        1,
                        custody.state()
                                .toCompletableFuture()
                                .get()
                                .filesOf(OpenFile.VfioContainer.class)
                                .count(),
                        "the journaled open was not applied a second time");

                JsonNode set = vm.call(
                        request(
                                "{\"execute\": \"vfio.group.set_container\", \"arguments\": {\"fd\": \"g\", \"container\": \"c\"}, \"holder\": \"vm\"}"));
                assertTrue(set.has("return"), "the holder's names are back, the recovered one too: " + set);
            } finally {
                custody.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
        }
    }
}
