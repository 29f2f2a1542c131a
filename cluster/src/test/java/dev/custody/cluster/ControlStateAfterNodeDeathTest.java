package dev.custody.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.custody.model.Command;
import dev.custody.persistence.Journals;
import dev.custody.server.Limits;
import dev.custody.server.Policy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes in this JVM on the shared PostgreSQL that ./test starts; the node holding an instance
 * is killed (no handoff) under a control connection. On a survivor, the instance's control state is
 * back from the database: the file its dead connection held is closed, its named holder is usable
 * and releasable from a new connection, and an opid answered before the kill gets its first answer.
 */
@Timeout(180)
class ControlStateAfterNodeDeathTest {
    static final Duration BOUND = Duration.ofSeconds(30);

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable each : started.reversed()) {
            each.close();
        }
    }

    @Test
    void aKilledNodesConnectionsAreClosedAndItsHoldersAndAnswersComeBack(@TempDir Path dir) throws Exception {
        String url = System.getenv(ThreeNodeHandoffTest.URL);
        Assumptions.assumeTrue(
                url != null, "skipped: no PostgreSQL (" + ThreeNodeHandoffTest.URL + " is not set); ./test starts one");
        Config journal = Journals.postgres(
                url,
                System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_USER", "postgres"),
                System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_PASSWORD", ""));
        // a run of its own: instance names no earlier run on the same database used
        Fleet fleet = Fleet.numbered("k" + Long.toString(System.currentTimeMillis(), 36), 6, Topologies.twoGroups());
        List<Integer> ports = LoopbackPorts.free(3);
        List<String> seeds = ports.stream().map(p -> "127.0.0.1:" + p).toList();
        List<ClusterNode> nodes = new ArrayList<>();
        for (int port : ports) {
            ClusterSettings settings =
                    ClusterSettings.of("127.0.0.1", port, seeds, url).withTimings(ClusterTimings.LOOPBACK);
            ClusterNode node = ClusterNode.start(
                    settings, journal, fleet, Duration.ofSeconds(20), ThreeNodeHandoffTest.CRASH_ON_TERMINATE);
            started.add(node);
            nodes.add(node);
        }
        await("all 3 nodes to see 3 members up", () -> nodes.stream().allMatch(n -> n.membersUp() == 3));
        ClusterNode front = nodes.get(0);
        String instance = null;
        String victimAddress = null;
        for (String each : fleet.instances().stream().sorted().toList()) {
            String at = front.engines()
                    .decide(each, new Command.ContainerOpen("probe"), "test", "", BOUND)
                    .toCompletableFuture()
                    .get(BOUND.toMillis(), TimeUnit.MILLISECONDS)
                    .node();
            if (!at.equals(front.address())) {
                instance = each;
                victimAddress = at;
                break;
            }
        }
        assertTrue(instance != null, "every instance of 6 was allocated to the front node");
        String killed = victimAddress;
        ClusterNode victim = nodes.stream()
                .filter(n -> n.address().equals(killed))
                .findFirst()
                .orElseThrow();
        Path path = dir.resolve("control.sock");
        ClusterControlSocket socket =
                ClusterControlSocket.start(path, front.engines(), Policy.ownerOnly(), Limits.defaults(), BOUND);
        started.add(socket);

        ControlLines client = new ControlLines(path, BOUND);
        started.add(client);
        JsonNode greeting = client.call("{\"instance\": \"" + instance + "\"}");
        assertEquals(killed, greeting.at("/custody/node").asText(), greeting.toString());
        ok(client.call("{\"execute\": \"driver.bind\","
                + " \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}"));
        // the connection's own files, which no one can close once its node is gone
        ok(client.call("{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\"}"));
        ok(client.call("{\"execute\": \"vfio.container.open\", \"as\": \"k\"}"));
        JsonNode set = ok(client.call("{\"execute\": \"vfio.group.set_container\","
                + " \"arguments\": {\"fd\": \"g\", \"container\": \"k\"}}"));
        assertEquals("g", set.at("/return/state/owner").asText(), set.toString());
        ok(client.call("{\"execute\": \"vfio.container.open\", \"as\": \"h\", \"holder\": \"vm-1\"}"));
        JsonNode firstOpen =
                ok(client.call("{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"opid\": \"op-1\"}"));

        victim.close(); // as a crash: CRASH_ON_TERMINATE, no handoff
        JsonNode ended = client.read();
        assertEquals("ESHUTDOWN", ended.at("/error/class").asText(), ended.toString());

        ControlLines again = reconnect(path, instance, killed);
        JsonNode group = ok(again.call("{\"execute\": \"state\", \"arguments\": {\"group\": 2}}"));
        assertTrue(group.at("/return/value/owner").isNull(), "the dead connection's group is still open: " + group);
        assertEquals(0, group.at("/return/value/ownerCnt").asInt(), group.toString());
        JsonNode retried = ok(again.call("{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"opid\": \"op-1\"}"));
        assertEquals(firstOpen, retried, "a retry after the kill got another answer than the first");
        JsonNode held = ok(again.call("{\"execute\": \"vfio.container.check_extension\","
                + " \"arguments\": {\"fd\": \"h\", \"type\": \"type1\"}, \"holder\": \"vm-1\"}"));
        assertTrue(held.has("return"), held.toString());
        JsonNode released = ok(again.call("{\"execute\": \"holder.release\", \"holder\": \"vm-1\"}"));
        assertEquals(1, released.at("/return/closed").size(), released.toString());
    }

    /** A connection to the instance once a survivor runs it (until then, openings are refused or time out). */
    private ControlLines reconnect(Path path, String instance, String killed) throws Exception {
        long deadline = System.nanoTime() + BOUND.toNanos() * 2;
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            ControlLines client = new ControlLines(path, BOUND);
            started.add(client);
            last = client.call("{\"instance\": \"" + instance + "\"}");
            String node = last == null ? "" : last.at("/custody/node").asText();
            if (!node.isEmpty() && !node.equals(killed)) {
                return client;
            }
            client.close();
            Thread.sleep(200); // a new attempt, with a deadline: not a synchronization by sleep
        }
        fail("waited " + BOUND.toSeconds() * 2 + " s for " + instance + " to run on a survivor; last: " + last);
        throw new AssertionError();
    }

    private static JsonNode ok(JsonNode answer) {
        assertTrue(answer != null && answer.has("return"), String.valueOf(answer));
        return answer;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Waits.await(BOUND, what, condition);
    }
}
