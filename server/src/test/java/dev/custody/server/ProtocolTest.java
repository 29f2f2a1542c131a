package dev.custody.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The protocol of docs/protocol.md, one behaviour per test. */
@Timeout(120)
class ProtocolTest {

    private static ObjectNode args(String json) throws Exception {
        return (ObjectNode) TestClient.JSON.readTree(json);
    }

    private static ObjectNode request(String json) throws Exception {
        return (ObjectNode) TestClient.JSON.readTree(json);
    }

    @Test
    void greetsWithVersionProtocolInstanceAndCapabilities() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(Topologies.threeGroups());
                TestClient client = fixture.client()) {
            JsonNode greeting = client.greeting.get("custody");
            assertEquals(1, greeting.get("protocol").asInt());
            assertTrue(greeting.get("instance").asText().startsWith("serve-test-"));
            assertTrue(greeting.get("capabilities").toString().contains("opid"));
            assertEquals(ServerSettings.VERSION, greeting.get("version").asText());
        }
    }

    @Test
    void theSocketIsOnlyTheOwnersAndGoesAwayOnClose() throws Exception {
        ServerFixture fixture = ServerFixture.start(Topologies.threeGroups());
        try (fixture) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fixture.socket())));
        }
        assertFalse(Files.exists(fixture.socket()), "the socket file is removed when the server stops");
    }

    @Test
    void answersOkWithTheStateAndRefusalsWithTheKernelsErrno() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(Topologies.threeGroups());
                TestClient client = fixture.client()) {
            JsonNode bound = client.call(request("""
                    {"execute": "driver.bind", "arguments": {"device": "0000:00:03.0", "driver": "e1000e"}, "id": 1}"""));
            assertEquals(1, bound.get("id").asInt());
            assertEquals(1, bound.at("/return/state/ownerCnt").asInt(), bound.toString());
            assertTrue(bound.at("/return/seq").asLong() > 1, "a journaled decision names its number");
            client.call(request("""
                    {"execute": "driver.bind", "arguments": {"device": "0000:00:03.1", "driver": "vfio-pci"}}"""));
            client.call(request("{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 1}, \"as\": \"g1\"}"));
            client.call(request("{\"execute\": \"vfio.container.open\", \"as\": \"c1\"}"));
            JsonNode refused = client.call(request("""
                    {"execute": "vfio.group.set_container", "arguments": {"fd": "g1", "container": "c1"}, "id": "x"}"""));
            assertEquals("EPERM", refused.at("/error/class").asText(), refused.toString());
            assertEquals("kernel", refused.at("/error/origin").asText());
            assertTrue(refused.at("/error/desc").asText().contains("kernel DMA user"), refused.toString());
            assertEquals("x", refused.get("id").asText());
        }
    }

    @Test
    void malformedUnknownAndMistypedRequestsGetErrorsAndTheConnectionGoesOn() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(Topologies.threeGroups());
                TestClient client = fixture.client()) {
            client.send("{not json");
            assertEquals(
                    "EINVAL",
                    client.next(Duration.ofSeconds(30)).at("/error/class").asText());
            client.send("[1,2]");
            assertEquals(
                    "EINVAL",
                    client.next(Duration.ofSeconds(30)).at("/error/class").asText());
            JsonNode unknown = client.call(request("{\"execute\": \"vfio.frobnicate\", \"id\": 7}"));
            assertEquals("ENOSYS", unknown.at("/error/class").asText());
            assertEquals(7, unknown.get("id").asInt());
            JsonNode missing = client.call(
                    request("{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:03.0\"}}"));
            assertEquals("EINVAL", missing.at("/error/class").asText());
            assertTrue(missing.at("/error/desc").asText().startsWith("arguments.driver:"), missing.toString());
            JsonNode mistyped =
                    client.call(request("{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": \"one\"}}"));
            assertEquals("EINVAL", mistyped.at("/error/class").asText());
            JsonNode stray = client.call(request("{\"execute\": \"query-status\", \"bogus\": 1}"));
            assertEquals("EINVAL", stray.at("/error/class").asText());
            assertTrue(client.call(request("{\"execute\": \"query-status\"}"))
                    .at("/return/ready")
                    .asBoolean());
        }
    }

    @Test
    void aDroppedConnectionsFilesAreClosedAndItsGroupGivenBack() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(Topologies.threeGroups());
                TestClient admin = fixture.client()) {
            admin.call(
                    request(
                            "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}"));
            try (TestClient qemu = fixture.client()) {
                qemu.call(request("{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\"}"));
                qemu.call(request("{\"execute\": \"vfio.container.open\", \"as\": \"c\"}"));
                JsonNode set = qemu.call(
                        request(
                                "{\"execute\": \"vfio.group.set_container\", \"arguments\": {\"fd\": \"g\", \"container\": \"c\"}}"));
                assertEquals("g", set.at("/return/state/owner").asText(), set.toString());
            }
            JsonNode view = awaitOwner(admin, 2, false);
            assertEquals(0, view.get("ownerCnt").asInt(), view.toString());
        }
    }

    @Test
    void aNamedHolderKeepsItsFilesUntilReleased() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(Topologies.threeGroups());
                TestClient admin = fixture.client()) {
            admin.call(
                    request(
                            "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}"));
            try (TestClient plane = fixture.client()) {
                plane.call(
                        request(
                                "{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\", \"holder\": \"vm-42\"}"));
                plane.call(request("{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"holder\": \"vm-42\"}"));
                plane.call(
                        request(
                                "{\"execute\": \"vfio.group.set_container\", \"arguments\": {\"fd\": \"g\", \"container\": \"c\"}, \"holder\": \"vm-42\"}"));
            }
            try (TestClient restarted = fixture.client()) {
                JsonNode status = restarted.call(request(
                        "{\"execute\": \"vfio.group.status\", \"arguments\": {\"fd\": \"g\"}, \"holder\": \"vm-42\"}"));
                assertEquals(
                        "[\"VIABLE\",\"CONTAINER_SET\"]",
                        status.at("/return/value/flags").toString(),
                        status.toString());
                JsonNode released = restarted.call(request("{\"execute\": \"holder.release\", \"holder\": \"vm-42\"}"));
                assertEquals(2, released.at("/return/closed").size(), released.toString());
            }
            JsonNode view = awaitOwner(admin, 2, false);
            assertEquals(0, view.get("ownerCnt").asInt());
        }
    }

    @Test
    void aRetryWithTheSameOpidGetsTheOriginalAnswerAndIsNotAppliedTwice() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(Topologies.threeGroups());
                TestClient client = fixture.client()) {
            client.call(
                    request(
                            "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:05.0\", \"driver\": \"vfio-pci\"}}"));
            String open = "{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"opid\": \"op-1\", \"id\": %d}";
            JsonNode first = client.call(request(open.formatted(1)));
            JsonNode again = client.call(request(open.formatted(2)));
            assertEquals(2, again.get("id").asInt());
            ((ObjectNode) first).remove("id");
            ((ObjectNode) again).remove("id");
            assertEquals(first, again);
            JsonNode other = client.call(
                    request("{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 3}, \"opid\": \"op-1\"}"));
            assertEquals("EEXIST", other.at("/error/class").asText(), other.toString());
            long containers = fixture.custody
                    .state()
                    .toCompletableFuture()
                    .get()
                    .filesOf(dev.custody.model.state.OpenFile.VfioContainer.class)
                    .count();
            assertEquals(1, containers, "the retry opened no second container");
        }
    }

    @Test
    void subscribersHearEveryJournaledDecisionInOrder() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(Topologies.threeGroups());
                TestClient listener = fixture.client();
                TestClient actor = fixture.client()) {
            listener.call(request("{\"execute\": \"subscribe\"}"));
            actor.call(
                    request(
                            "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:03.0\", \"driver\": \"e1000e\"}}"));
            actor.call(request("{\"execute\": \"driver.unbind\", \"arguments\": {\"device\": \"0000:00:03.0\"}}"));
            JsonNode first = listener.next(Duration.ofSeconds(30));
            JsonNode second = listener.next(Duration.ofSeconds(30));
            assertEquals("DECISION", first.get("event").asText());
            assertEquals(
                    first.at("/data/seq").asLong() + 1, second.at("/data/seq").asLong());
            JsonNode bound = null;
            for (JsonNode event : first.at("/data/events")) {
                if (event.get("type").asText().equals("DriverBound")) {
                    bound = event;
                }
            }
            assertTrue(bound != null, first.toString());
            assertEquals("0000:00:03.0", bound.get("device").asText());
            assertTrue(first.at("/timestamp/seconds").asLong() > 0);
        }
    }

    @Test
    void queriesAnswerStatusStateAndMetrics() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(Topologies.threeGroups());
                TestClient client = fixture.client()) {
            client.call(
                    request(
                            "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:03.0\", \"driver\": \"nvme\"}}"));
            client.call(
                    request(
                            "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:03.0\", \"driver\": \"nvme\"}}"));
            JsonNode status =
                    client.call(request("{\"execute\": \"query-status\"}")).get("return");
            assertTrue(status.get("lastDecision").asLong() >= 2, status.toString());
            assertEquals(1, status.get("connections").asInt());
            JsonNode state =
                    client.call(request("{\"execute\": \"query-state\"}")).get("return");
            assertEquals(3, state.get("groups").size(), state.toString());
            JsonNode metrics =
                    client.call(request("{\"execute\": \"query-metrics\"}")).get("return");
            assertEquals(2, metrics.get("decisions").asInt(), metrics.toString());
            assertEquals(1, metrics.at("/refusals/EBUSY").asInt(), metrics.toString());
            assertEquals(1, metrics.get("connections").asInt());
            assertEquals(0, metrics.get("stuckEntities").size(), "no entity is stuck: " + metrics);
        }
    }

    @Test
    void aLineOverTheLimitGetsEmsgsizeAndADisconnectWhileOthersAreServed() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(
                        Topologies.threeGroups(), s -> s.withLimits(s.limits().withMaxLineBytes(1024)));
                TestClient other = fixture.client();
                TestClient big = fixture.client()) {
            big.sendRaw(("{\"execute\": \"query-status\", \"id\": \"" + "x".repeat(5000) + "\"}\n").getBytes());
            assertEquals(
                    "EMSGSIZE",
                    big.next(Duration.ofSeconds(30)).at("/error/class").asText());
            assertTrue(big.closedByServer(Duration.ofSeconds(30)));
            assertTrue(other.call(request("{\"execute\": \"query-status\"}"))
                    .at("/return/ready")
                    .asBoolean());
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheTimeout() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(
                        Topologies.threeGroups(),
                        s -> s.withLimits(s.limits().withIdleTimeout(Duration.ofMillis(300))));
                TestClient idle = fixture.client()) {
            idle.sendRaw("{\"execute\": \"query-st".getBytes()); // half a line, then nothing
            assertEquals(
                    "ETIMEDOUT",
                    idle.next(Duration.ofSeconds(30)).at("/error/class").asText());
            assertTrue(idle.closedByServer(Duration.ofSeconds(30)));
        }
    }

    @Test
    void connectionsOverTheLimitAreRefused() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(
                        Topologies.threeGroups(), s -> s.withLimits(s.limits().withMaxConnections(1)));
                TestClient first = fixture.client()) {
            try (TestClient second = new TestClient(fixture.socket())) {
                assertEquals("EAGAIN", second.greeting.at("/error/class").asText(), second.greeting.toString());
                assertTrue(second.closedByServer(Duration.ofSeconds(30)));
            }
            assertTrue(first.call(request("{\"execute\": \"query-status\"}"))
                    .at("/return/ready")
                    .asBoolean());
        }
    }

    @Test
    void closeAnswersWhatWasAcceptedThenEnds() throws Exception {
        ServerFixture fixture = ServerFixture.start(Topologies.threeGroups());
        try (fixture;
                TestClient client = fixture.client()) {
            client.call(
                    request(
                            "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}"));
            client.call(request("{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\"}"));
            Thread closer = Thread.ofVirtual().start(fixture.server::close);
            closer.join(Duration.ofSeconds(60));
            assertFalse(closer.isAlive(), "the server closed");
            assertTrue(client.closedByServer(Duration.ofSeconds(30)));
            assertTrue(
                    fixture.custody
                            .state()
                            .toCompletableFuture()
                            .get()
                            .filesOf(dev.custody.model.state.OpenFile.VfioGroupFile.class)
                            .noneMatch(dev.custody.model.state.OpenFile::fdOpen),
                    "the connection's group fd was closed");
        }
    }

    /** The group's view once its owner is (or is not) set: the close after a drop is not instant. */
    private static JsonNode awaitOwner(TestClient client, int group, boolean owned) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            JsonNode state =
                    client.call(request("{\"execute\": \"state\", \"arguments\": {\"group\": " + group + "}}"));
            JsonNode value = state.at("/return/value");
            if (value.get("owner").isNull() != owned || System.nanoTime() > deadline) {
                return value;
            }
            Thread.onSpinWait();
        }
    }
}
