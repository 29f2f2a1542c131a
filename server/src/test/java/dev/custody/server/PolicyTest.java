package dev.custody.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The access policy: who may connect, who may act on which groups, and that denials are recorded. */
@Timeout(120)
class PolicyTest {
    private static final Policy POLICY = Policy.parse("test-policy", json("""
            {"socketMode": "0660", "rules": [
              {"user": "alice", "may": "act", "groups": [2], "devices": ["0000:00:05.0"]},
              {"group": "monitoring", "may": "query"}]}
            """));

    private static JsonNode json(String text) {
        try {
            return TestClient.JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ObjectNode request(String text) {
        return (ObjectNode) json(text);
    }

    /** Every connection is the given peer. */
    private static ServerFixture serverFor(PeerCredentials peer) throws Exception {
        java.nio.file.Path state = Files.createTempDirectory("custody-policy");
        return ServerFixture.start(
                Topologies.threeGroups(),
                s -> s.withPolicy(POLICY).withState(Optional.of(state), Optional.empty()),
                channel -> peer);
    }

    @Test
    void aUserNoRuleNamesIsRefusedAtConnectAndAudited() throws Exception {
        try (ServerFixture fixture = serverFor(PeerCredentials.of("mallory", "users"));
                TestClient client = fixture.client()) {
            assertEquals("EACCES", client.greeting.at("/error/class").asText(), client.greeting.toString());
            assertEquals("policy", client.greeting.at("/error/origin").asText());
        }
    }

    @Test
    void theSocketModeIsThePolicys() throws Exception {
        try (ServerFixture fixture = serverFor(PeerCredentials.of("alice", "users"))) {
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(fixture.socket())));
        }
    }

    @Test
    void aUserActsOnlyOnItsGroupsAndDevicesAndDenialsAreAudited() throws Exception {
        try (ServerFixture fixture = serverFor(PeerCredentials.of("alice", "users"));
                TestClient alice = fixture.client()) {
            JsonNode own = alice.call(
                    request(
                            "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}"));
            assertTrue(own.has("return"), own.toString());
            JsonNode listed = alice.call(
                    request(
                            "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:05.0\", \"driver\": \"vfio-pci\"}}"));
            assertTrue(listed.has("return"), listed.toString());
            JsonNode other = alice.call(request(
                    "{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 1}, \"opid\": \"a-1\", \"id\": 3}"));
            assertEquals("EACCES", other.at("/error/class").asText(), other.toString());
            assertEquals("policy", other.at("/error/origin").asText());
            assertTrue(other.at("/error/desc").asText().contains("IOMMU group 1"), other.toString());
            JsonNode inKernel = alice.call(
                    request("{\"execute\": \"iommu.group_claim\", \"arguments\": {\"group\": 2, \"owner\": \"x\"}}"));
            assertEquals("EACCES", inKernel.at("/error/class").asText(), inKernel.toString());
            String audit =
                    Files.readString(fixture.server.stateDirectoryForTests().resolve(ControlServer.AUDIT_LOG));
            assertTrue(
                    audit.contains("\"operation\":\"opid:alice:a-1\"") && audit.contains("\"result\":\"EACCES\""),
                    audit);
        }
    }

    @Test
    void aQueryUserQueriesAndActsNot() throws Exception {
        try (ServerFixture fixture = serverFor(PeerCredentials.of("grafana", "monitoring"));
                TestClient monitor = fixture.client()) {
            assertTrue(monitor.call(request("{\"execute\": \"query-state\"}")).has("return"));
            JsonNode bind = monitor.call(
                    request(
                            "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}"));
            assertEquals("EACCES", bind.at("/error/class").asText(), bind.toString());
        }
    }
}
