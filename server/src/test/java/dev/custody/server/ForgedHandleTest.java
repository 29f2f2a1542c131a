package dev.custody.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A file crosses the socket only as a name in the table of the connection (or holder) that opened
 * it, as an fd number means something only in its own process: another connection that names it,
 * by the name or by the engine's file number, names nothing, and the kernel's answer to that is EBADF.
 */
@Timeout(120)
class ForgedHandleTest {

    private static ObjectNode request(String json) throws Exception {
        return (ObjectNode) TestClient.JSON.readTree(json);
    }

    @Test
    void anotherConnectionCannotCloseAVmsGroupByItsNameOrItsFileNumber() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(Topologies.threeGroups());
                TestClient qemu = fixture.client();
                TestClient stranger = fixture.client()) {
            qemu.call(request("""
                    {"execute": "driver.bind", "arguments": {"device": "0000:00:04.0", "driver": "vfio-pci"}}"""));
            qemu.call(request("{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\"}"));
            qemu.call(request("{\"execute\": \"vfio.container.open\", \"as\": \"c\"}"));
            JsonNode set = qemu.call(request("""
                    {"execute": "vfio.group.set_container", "arguments": {"fd": "g", "container": "c"}}"""));
            assertEquals("g", set.at("/return/state/owner").asText(), set.toString());

            JsonNode byName =
                    stranger.call(request("{\"execute\": \"vfio.group.close\", \"arguments\": {\"fd\": \"g\"}}"));
            assertEquals("EBADF", byName.at("/error/class").asText(), byName.toString());
            for (int number = 0; number < 16; number++) {
                JsonNode byNumber = stranger.call(
                        request("{\"execute\": \"vfio.group.close\", \"arguments\": {\"fd\": " + number + "}}"));
                assertEquals("EBADF", byNumber.at("/error/class").asText(), "fd " + number + ": " + byNumber);
                JsonNode unset = stranger.call(request(
                        "{\"execute\": \"vfio.group.unset_container\", \"arguments\": {\"fd\": " + number + "}}"));
                assertEquals("EBADF", unset.at("/error/class").asText(), "fd " + number + ": " + unset);
            }

            JsonNode status =
                    qemu.call(request("{\"execute\": \"vfio.group.status\", \"arguments\": {\"fd\": \"g\"}}"));
            assertEquals(
                    "[\"VIABLE\",\"CONTAINER_SET\"]",
                    status.at("/return/value/flags").toString(),
                    status.toString());
        }
    }
}
