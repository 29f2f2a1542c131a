package dev.custody.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import dev.custody.persistence.Journals;
import dev.custody.server.Limits;
import dev.custody.server.Policy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket of docs/protocol.md on a cluster node of one, on 127.0.0.1 and the in-memory
 * journal: a connection picks its instance, then speaks the protocol of a single server to it.
 */
class ClusterControlSocketTest {
    static final Duration BOUND = Duration.ofSeconds(30);

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable each : started.reversed()) {
            each.close();
        }
    }

    private ClusterNode node(Duration passivateAfter) throws java.io.IOException {
        int port = LoopbackPorts.free(1).getFirst();
        return node(port, port, OneNodeClusterTest.FLEET, passivateAfter);
    }

    private ClusterNode node(int port, int seed, Fleet fleet, Duration passivateAfter) {
        ClusterSettings settings = ClusterSettings.of("127.0.0.1", port, List.of("127.0.0.1:" + seed), "memory")
                .withPassivateAfter(passivateAfter);
        ClusterNode node =
                ClusterNode.start(settings, Journals.inMemory(), fleet, Duration.ofSeconds(20), ConfigFactory.empty());
        started.add(node);
        return node;
    }

    /** A node on {@code journal}, whose identity is {@code url} (null: in memory). */
    private ClusterNode node(int port, int seed, Fleet fleet, com.typesafe.config.Config journal, String url) {
        ClusterSettings settings =
                ClusterSettings.of("127.0.0.1", port, List.of("127.0.0.1:" + seed), url == null ? "memory" : url);
        ClusterNode node = ClusterNode.start(settings, journal, fleet, Duration.ofSeconds(20), ConfigFactory.empty());
        started.add(node);
        return node;
    }

    private ClusterControlSocket socket(ClusterNode node, Path path) throws Exception {
        ClusterControlSocket socket =
                ClusterControlSocket.start(path, node.engines(), Policy.ownerOnly(), Limits.defaults(), BOUND);
        started.add(socket);
        return socket;
    }

    private ControlLines client(Path path) throws Exception {
        ControlLines client = new ControlLines(path, BOUND);
        started.add(client);
        return client;
    }

    @Test
    void aConnectionPicksItsInstanceAndIsAnsweredAsBySingleServer(@TempDir Path dir) throws Exception {
        ClusterNode node = node(Duration.ofMinutes(10));
        Path path = dir.resolve("control.sock");
        socket(node, path);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));

        ControlLines plane = client(path);
        JsonNode greeting = plane.call("{\"instance\": \"solo-0\"}");
        assertEquals("solo-0", greeting.at("/custody/instance").asText(), greeting.toString());
        assertEquals(node.address(), greeting.at("/custody/node").asText(), greeting.toString());
        assertEquals(1, greeting.at("/custody/protocol").asInt(), greeting.toString());

        ok(plane.call("{\"execute\": \"driver.bind\", \"id\": 1,"
                + " \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}"));
        // a holder's names, bound by one request and used by the next
        ok(plane.call("{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\","
                + " \"holder\": \"vm-42\"}"));
        ok(plane.call("{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"holder\": \"vm-42\"}"));
        JsonNode set = ok(plane.call("{\"execute\": \"vfio.group.set_container\","
                + " \"arguments\": {\"fd\": \"g\", \"container\": \"c\"}, \"holder\": \"vm-42\"}"));
        assertEquals("g", set.at("/return/state/owner").asText(), set.toString());
        // a name of this connection alone
        ok(plane.call("{\"execute\": \"vfio.container.open\", \"as\": \"mine\"}"));
        JsonNode status = ok(plane.call("{\"execute\": \"query-status\", \"id\": \"s\"}"));
        assertEquals("solo-0", status.at("/return/instance").asText(), status.toString());
        assertEquals("s", status.get("id").asText(), status.toString());
        JsonNode descriptors = plane.call("{\"execute\": \"holder.take-descriptors\", \"holder\": \"vm-42\"}");
        assertEquals("EOPNOTSUPP", descriptors.at("/error/class").asText(), descriptors.toString());

        ControlLines other = client(path);
        other.call("{\"instance\": \"solo-0\"}");
        JsonNode notItsName = other.call("{\"execute\": \"vfio.container.check_extension\","
                + " \"arguments\": {\"fd\": \"mine\", \"type\": \"type1\"}}");
        assertEquals("EBADF", notItsName.at("/error/class").asText(), notItsName.toString());
        JsonNode released = ok(other.call("{\"execute\": \"holder.release\", \"holder\": \"vm-42\"}"));
        assertEquals(2, released.at("/return/closed").size(), released.toString());

        // the other instance is another engine (its own holders), reached as custody ctl --instance does
        try (var elsewhere = dev.custody.server.ControlClient.connect(path, java.util.Optional.of("solo-1"))) {
            assertEquals("solo-1", elsewhere.greeting().at("/custody/instance").asText());
            JsonNode noHolder = elsewhere.call(new com.fasterxml.jackson.databind.ObjectMapper()
                    .createObjectNode()
                    .put("execute", "holder.release")
                    .put("holder", "vm-42"));
            assertEquals("ENOENT", noHolder.at("/error/class").asText(), noHolder.toString());
        }
    }

    @Test
    void aFirstLineThatPicksNoKnownInstanceIsRefusedAndTheConnectionClosed(@TempDir Path dir) throws Exception {
        ClusterNode node = node(Duration.ofMinutes(10));
        Path path = dir.resolve("control.sock");
        socket(node, path);

        ControlLines unknown = client(path);
        JsonNode refused = unknown.call("{\"instance\": \"no-such-host\"}");
        assertEquals("ENOENT", refused.at("/error/class").asText(), refused.toString());
        assertTrue(
                refused.at("/error/desc").asText().contains("no engine instance \"no-such-host\""), refused.toString());
        assertNull(unknown.read(), "the connection stayed open");

        ControlLines unpicked = client(path);
        JsonNode invalid = unpicked.call("{\"execute\": \"query-status\"}");
        assertEquals("EINVAL", invalid.at("/error/class").asText(), invalid.toString());
        assertTrue(invalid.at("/error/desc").asText().contains("{\"instance\": NAME}"), invalid.toString());
        assertNull(unpicked.read(), "the connection stayed open");

        // a client that waits for a greeting first, as of a single server, is told what to send
        ControlLines waiting = client(path);
        JsonNode told = waiting.read();
        assertEquals("EINVAL", told.at("/error/class").asText(), told.toString());
        assertTrue(told.at("/error/desc").asText().contains("nothing came within"), told.toString());
        assertNull(waiting.read(), "the connection stayed open");
        assertEquals(0, node.engines().startedHere(), "a refused connection started an engine");
    }

    /**
     * Bytes that are not UTF-8 would be decoded with replacement characters three bytes each, so a line
     * within the limit could grow past what crosses between nodes: such a line is refused, and the
     * connection goes on.
     */
    @Test
    void aLineThatIsNotUtf8IsRefusedAndTheConnectionGoesOn(@TempDir Path dir) throws Exception {
        ClusterNode node = node(Duration.ofMinutes(10));
        Path path = dir.resolve("control.sock");
        socket(node, path);

        ControlLines plane = client(path);
        plane.call("{\"instance\": \"solo-0\"}");
        byte[] notText = new byte[1000];
        java.util.Arrays.fill(notText, (byte) 0xff);
        plane.sendBytes(notText);
        JsonNode refused = plane.read();
        assertEquals("EINVAL", refused.at("/error/class").asText(), refused.toString());
        assertTrue(refused.at("/error/desc").asText().contains("UTF-8"), refused.toString());
        ok(plane.call("{\"execute\": \"query-status\"}"));
    }

    @Test
    void aMovingInstanceEndsItsConnectionsSayingSoAndClosesTheirFiles(@TempDir Path dir) throws Exception {
        ClusterNode node = node(Duration.ofSeconds(1));
        Path path = dir.resolve("control.sock");
        socket(node, path);

        ControlLines first = client(path);
        first.call("{\"instance\": \"solo-0\"}");
        ok(first.call("{\"execute\": \"driver.bind\","
                + " \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}"));
        ok(first.call("{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\"}"));
        ok(first.call("{\"execute\": \"vfio.container.open\", \"as\": \"c\"}"));
        JsonNode set = ok(first.call("{\"execute\": \"vfio.group.set_container\","
                + " \"arguments\": {\"fd\": \"g\", \"container\": \"c\"}}"));
        assertEquals("g", set.at("/return/state/owner").asText(), set.toString());
        // idle for the passivation timeout: the instance stops here, as it does when it moves
        JsonNode ended = first.read();
        assertEquals("ESHUTDOWN", ended.at("/error/class").asText(), ended.toString());
        assertTrue(ended.at("/error/desc").asText().contains("connect again"), ended.toString());
        assertNull(first.read(), "the connection stayed open");
        await("the engine solo-0 to stop", () -> node.engines().runningHere() == 0);

        ControlLines again = client(path);
        again.call("{\"instance\": \"solo-0\"}");
        JsonNode group = ok(again.call("{\"execute\": \"state\", \"arguments\": {\"group\": 2}}"));
        assertEquals(2, node.engines().startedHere(), "the reconnection did not start the instance again");
        // recovered from the journal, with the files of the ended connection closed as it ended
        assertTrue(group.at("/return/value/owner").isNull(), group.toString());
        assertEquals(0, group.at("/return/value/ownerCnt").asInt(), group.toString());
    }

    /**
     * Two nodes in this JVM, on the shared PostgreSQL journal when there is one (./test starts one),
     * else each on its own in-memory journal: enough to route, since an instance runs on one node at a
     * time, but not to recover an instance's state on another node, which is then not checked. On
     * PostgreSQL, the instance's control state (its holder, its opid answers) moves with it as well.
     */
    @Test
    void aConnectionIsAnsweredByTheNodeThatHoldsItsInstanceAndToldWhenItMoves(@TempDir Path dir) throws Exception {
        String url = System.getenv(ThreeNodeHandoffTest.URL);
        com.typesafe.config.Config journal = url == null
                ? Journals.inMemory()
                : Journals.postgres(
                        url,
                        System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_USER", "postgres"),
                        System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_PASSWORD", ""));
        // a run of its own: instance names no earlier run on the same database used
        Fleet fleet = Fleet.numbered("c" + Long.toString(System.currentTimeMillis(), 36), 8, Topologies.twoGroups());
        List<Integer> ports = LoopbackPorts.free(2);
        ClusterNode front = node(ports.get(0), ports.get(0), fleet, journal, url);
        await("the first node to be up", () -> front.membersUp() == 1);
        ClusterNode holder = node(ports.get(1), ports.get(0), fleet, journal, url);
        await("both nodes to be up", () -> front.membersUp() == 2 && holder.membersUp() == 2);
        String remote = null;
        for (String instance : fleet.instances().stream().sorted().toList()) {
            var answered = front.engines()
                    .decide(instance, new dev.custody.model.Command.ContainerOpen("probe"), "test", "", BOUND)
                    .toCompletableFuture()
                    .get(BOUND.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (answered.node().equals(holder.address())) {
                remote = instance;
                break;
            }
        }
        assertTrue(remote != null, "no instance of 8 was allocated to the second node");
        Path path = dir.resolve("control.sock");
        socket(front, path);

        ControlLines client = client(path);
        JsonNode greeting = client.call("{\"instance\": \"" + remote + "\"}");
        assertEquals(remote, greeting.at("/custody/instance").asText(), greeting.toString());
        assertEquals(holder.address(), greeting.at("/custody/node").asText(), greeting.toString());
        ok(client.call("{\"execute\": \"driver.bind\","
                + " \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}"));
        JsonNode firstOpen =
                ok(client.call("{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"opid\": \"op-1\"}"));
        JsonNode check = ok(client.call("{\"execute\": \"vfio.container.check_extension\","
                + " \"arguments\": {\"fd\": \"c\", \"type\": \"type1\"}}"));
        assertTrue(check.has("return"), check.toString());
        // a named holder's file, which outlives this connection and this node
        ok(client.call("{\"execute\": \"vfio.container.open\", \"as\": \"h\", \"holder\": \"vm-1\"}"));
        JsonNode status = ok(client.call("{\"execute\": \"query-status\"}"));
        assertEquals(remote, status.at("/return/instance").asText(), status.toString());
        assertEquals(1, status.at("/return/connections").asInt(), status.toString());
        // events cross too: a decision another connection causes reaches a subscriber
        ok(client.call("{\"execute\": \"subscribe\"}"));
        ControlLines other = client(path);
        other.call("{\"instance\": \"" + remote + "\"}");
        JsonNode opened = ok(other.call("{\"execute\": \"vfio.container.open\", \"as\": \"d\"}"));
        JsonNode event = client.read();
        assertEquals("DECISION", event.path("event").asText(), event.toString());
        assertEquals(opened.at("/return/seq").asLong(), event.at("/data/seq").asLong(), event + " for " + opened);
        // (other stays open: its close would be one more decision, and one more event)
        long before = ok(client.call("{\"execute\": \"query-status\"}"))
                .at("/return/lastDecision")
                .asLong();

        // the holder leaves: its instances are handed off to the front node, and the client is told
        holder.close();
        JsonNode ended = client.read();
        assertEquals("ESHUTDOWN", ended.at("/error/class").asText(), ended.toString());
        assertNull(client.read(), "the connection stayed open");

        ControlLines again = client(path);
        JsonNode moved = again.call("{\"instance\": \"" + remote + "\"}");
        assertEquals(front.address(), moved.at("/custody/node").asText(), moved.toString());
        JsonNode after = ok(again.call("{\"execute\": \"query-status\"}"));
        if (url != null) {
            // recovered from the journal: the decisions of the first node are there, and the driver it bound
            assertTrue(after.at("/return/lastDecision").asLong() > before, after + " after " + status);
            JsonNode device = ok(again.call("{\"execute\": \"state\", \"arguments\": {\"group\": 2}}"));
            assertTrue(device.toString().contains("vfio-pci"), device.toString());
            // a retry of an opid answered before the move gets the first outcome, and is not decided again
            long last = ok(again.call("{\"execute\": \"query-status\"}"))
                    .at("/return/lastDecision")
                    .asLong();
            JsonNode retried =
                    ok(again.call("{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"opid\": \"op-1\"}"));
            assertTrue(firstOpen.at("/return/seq").isNumber(), firstOpen.toString());
            assertEquals(firstOpen, retried, "a retry after the move got another answer than the first");
            assertEquals(
                    last,
                    ok(again.call("{\"execute\": \"query-status\"}"))
                            .at("/return/lastDecision")
                            .asLong(),
                    "the retry was decided again");
            // the holder came back with the instance: its name works, and a client of this node releases it
            JsonNode held = ok(again.call("{\"execute\": \"vfio.container.check_extension\","
                    + " \"arguments\": {\"fd\": \"h\", \"type\": \"type1\"}, \"holder\": \"vm-1\"}"));
            assertTrue(held.has("return"), held.toString());
            JsonNode released = ok(again.call("{\"execute\": \"holder.release\", \"holder\": \"vm-1\"}"));
            assertEquals(1, released.at("/return/closed").size(), released.toString());
        }
    }

    @Test
    void anEmbeddingProgramOpensTheSameSessionWithoutASocket() throws Exception {
        ClusterNode node = node(Duration.ofMinutes(10));
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
        var me = dev.custody.server.PeerCredentials.of(System.getProperty("user.name"), "any");
        var refused = org.junit.jupiter.api.Assertions.assertThrows(
                UnknownInstanceException.class,
                () -> node.engines().control("no-such-host", me, lines::add, ended::countDown, BOUND));
        assertTrue(refused.getMessage().contains("no-such-host"), refused.getMessage());

        ControlSession session = node.engines().control("solo-1", me, lines::add, ended::countDown, BOUND);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        JsonNode greeting = json.readTree(next(lines));
        assertEquals("solo-1", greeting.at("/custody/instance").asText(), greeting.toString());
        session.send("{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"id\": 1}");
        session.send("{\"execute\": \"vfio.container.check_extension\","
                + " \"arguments\": {\"fd\": \"c\", \"type\": \"type1\"}, \"id\": 2}");
        JsonNode opened = ok(json.readTree(next(lines)));
        assertEquals(1, opened.get("id").asInt(), opened.toString());
        JsonNode checked = ok(json.readTree(next(lines)));
        assertEquals(2, checked.get("id").asInt(), checked.toString());
        session.close();
        assertTrue(ended.await(BOUND.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), "the session did not end");
    }

    private static String next(java.util.concurrent.BlockingQueue<String> lines) throws InterruptedException {
        String line = lines.poll(BOUND.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        if (line == null) {
            fail("waited " + BOUND.toSeconds() + " s for a line of the session");
        }
        return line;
    }

    @Test
    void sessionMessagesCrossTheWireAsTheyWereAndDamagedBytesAreRefused() throws Exception {
        ClusterNode node = node(Duration.ofMinutes(10));
        var classic = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(
                node.runtime().actorSystem());
        var serialization = org.apache.pekko.serialization.SerializationExtension.get(classic);
        org.apache.pekko.actor.typed.ActorRef<ControlReply> front =
                org.apache.pekko.actor.typed.javadsl.Adapter.toTyped(classic.deadLetters());
        org.apache.pekko.actor.typed.ActorRef<EngineShard.Message> entity =
                org.apache.pekko.actor.typed.javadsl.Adapter.toTyped(classic.deadLetters());
        List<ClusterMessage> messages = List.of(
                new EngineShard.OpenSession("s-1", "alice", "kvm", "custody", front),
                new EngineShard.SessionLine("s-1", "{\"execute\": \"query-status\", \"id\": \"é\"}", front),
                new EngineShard.CloseSession("s-1", front),
                new ControlReply.Opened(entity, node.address()),
                new ControlReply.Line("{\"return\": {}}"),
                new ControlReply.Ended(""));
        for (ClusterMessage message : messages) {
            var serializer = serialization.findSerializerFor(message);
            assertTrue(serializer instanceof ClusterMessageSerializer, serializer.toString());
            byte[] bytes = serializer.toBinary(message);
            String manifest = org.apache.pekko.serialization.Serializers.manifestFor(serializer, message);
            Object back = serialization
                    .deserialize(bytes, serializer.identifier(), manifest)
                    .get();
            // an actor reference reads back as a reference to the same path, not the same object
            assertEquals(withoutRefs(message), withoutRefs(back));
            byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 1);
            var damaged = serialization.deserialize(cut, serializer.identifier(), manifest);
            assertTrue(damaged.isFailure(), "a cut " + message.getClass().getSimpleName() + " was read");
        }
    }

    /** The message with each actor reference replaced by its path. */
    private static List<Object> withoutRefs(Object message) throws Exception {
        List<Object> fields = new ArrayList<>();
        fields.add(message.getClass());
        for (var component : message.getClass().getRecordComponents()) {
            Object value = component.getAccessor().invoke(message);
            fields.add(value instanceof org.apache.pekko.actor.typed.ActorRef<?> ref ? ref.path() : value);
        }
        return fields;
    }

    private static JsonNode ok(JsonNode answer) {
        assertTrue(answer != null && answer.has("return"), String.valueOf(answer));
        return answer;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Waits.await(BOUND, what, condition);
    }
}
