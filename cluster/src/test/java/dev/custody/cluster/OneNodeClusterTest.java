package dev.custody.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.custody.entity.AnswerRecord;
import dev.custody.model.Command;
import dev.custody.persistence.Journals;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.NotSerializableException;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cluster of one node on 127.0.0.1 and the in-memory journal: routing, passivation, the wire form, joining. */
class OneNodeClusterTest {
    static final Duration BOUND = Duration.ofSeconds(30);
    static final Fleet FLEET = Fleet.numbered("solo", 2, Topologies.twoGroups());

    private final List<ClusterNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(ClusterNode::close);
    }

    private ClusterNode node(int port, List<Integer> seeds, String journalIdentity, Duration passivateAfter) {
        ClusterSettings settings = ClusterSettings.of(
                        "127.0.0.1",
                        port,
                        seeds.stream().map(p -> "127.0.0.1:" + p).toList(),
                        journalIdentity)
                .withPassivateAfter(passivateAfter);
        ClusterNode node =
                ClusterNode.start(settings, Journals.inMemory(), FLEET, Duration.ofSeconds(20), ConfigFactory.empty());
        nodes.add(node);
        return node;
    }

    @Test
    void aRequestForAnInstanceOutsideTheFleetIsRefusedSayingSo() throws Exception {
        int port = LoopbackPorts.free(1).getFirst();
        ClusterNode node = node(port, List.of(port), "memory", Duration.ofMinutes(10));
        var refused = node.engines()
                .decide("no-such-host", new Command.ContainerOpen("c"), "test", "op-1", BOUND)
                .toCompletableFuture();
        ExecutionException failure = assertThrows(ExecutionException.class, refused::get);
        assertInstanceOf(UnknownInstanceException.class, failure.getCause());
        assertTrue(
                failure.getCause().getMessage().contains("no engine instance \"no-such-host\""),
                failure.getCause().getMessage());
        assertEquals(0, node.engines().startedHere(), "an unknown instance started an engine");
    }

    @Test
    void anIdleInstancePassivatesAndTheNextRequestWakesItWithItsState() throws Exception {
        int port = LoopbackPorts.free(1).getFirst();
        ClusterNode node = node(port, List.of(port), "memory", Duration.ofSeconds(1));
        AnswerRecord first = decide(node, "solo-0", new Command.ContainerOpen("first"), "op-1");
        assertTrue(first.ok(), first.toString());
        assertEquals(1, node.engines().startedHere());

        await("the idle engine solo-0 to passivate", () -> node.engines().runningHere() == 0);

        AnswerRecord second = decide(node, "solo-0", new Command.ContainerOpen("second"), "op-2");
        assertTrue(second.ok(), second.toString());
        assertEquals(2, node.engines().startedHere(), "the request did not start the passivated engine again");
        // recovered, not started afresh: the file the first run opened is still open, so the new one is another
        assertNotEquals(first.value(), second.value(), "the woken engine forgot the file its first run opened");
        // and the first operation is remembered: its retry gets the first answer
        assertEquals(first, decide(node, "solo-0", new Command.ContainerOpen("first"), "op-1"));
    }

    @Test
    void commandsAndAnswersCrossTheWireAsTheyWereAndDamagedBytesAreRefused() throws Exception {
        int port = LoopbackPorts.free(1).getFirst();
        ClusterNode node = node(port, List.of(port), "memory", Duration.ofMinutes(10));
        var classic = Adapter.toClassic(node.runtime().actorSystem());
        var serialization = SerializationExtension.get(classic);
        org.apache.pekko.actor.typed.ActorRef<ShardReply> replyTo = Adapter.toTyped(classic.deadLetters());
        List<ClusterMessage> messages = List.of(
                new EngineShard.Decide("{\"op\":\"vfio.container.open\",\"as\":\"c\"}", "vm-1", "op-7", replyTo),
                new ShardReply.Answered(new AnswerRecord("EPERM", "group is owned", ""), node.address()),
                new ShardReply.Failed("engine x could not start: é", node.address()));
        for (ClusterMessage message : messages) {
            var serializer = serialization.findSerializerFor(message);
            assertInstanceOf(ClusterMessageSerializer.class, serializer);
            byte[] bytes = serializer.toBinary(message);
            String manifest = Serializers.manifestFor(serializer, message);
            Object back = serialization
                    .deserialize(bytes, serializer.identifier(), manifest)
                    .get();
            if (message instanceof EngineShard.Decide decide) {
                EngineShard.Decide read = (EngineShard.Decide) back;
                assertEquals(decide.command(), read.command());
                assertEquals(decide.caller(), read.caller());
                assertEquals(decide.operationId(), read.operationId());
                assertEquals(decide.replyTo().path(), read.replyTo().path());
            } else {
                assertEquals(message, back);
            }
            byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 1);
            var damaged = serialization.deserialize(cut, serializer.identifier(), manifest);
            assertTrue(damaged.isFailure(), "a cut message was read");
            assertInstanceOf(NotSerializableException.class, damaged.failed().get());
        }
    }

    @Test
    void aNodeOnAnotherJournalIsRefusedWhenItJoins() throws Exception {
        int first = LoopbackPorts.free(1).getFirst();
        ClusterNode founder =
                node(first, List.of(first), "jdbc:postgresql://10.0.0.1:5432/fleet", Duration.ofMinutes(10));
        await("the first node to be up", () -> founder.membersUp() == 1);
        int second = LoopbackPorts.free(1).getFirst();
        refusedWhenJoining(
                "the node on another journal",
                () -> node(second, List.of(first), "jdbc:postgresql://10.0.0.2:5432/fleet", Duration.ofMinutes(10)));
        assertEquals(1, founder.membersUp(), "the node on another journal was let in");
    }

    @Test
    void theRequestSocketAnswersEachLineFromTheInstanceItNames(@TempDir Path dir) throws Exception {
        int port = LoopbackPorts.free(1).getFirst();
        ClusterNode node = node(port, List.of(port), "memory", Duration.ofMinutes(10));
        Path path = dir.resolve("cluster.sock");
        ClusterSocket socket = ClusterSocket.start(path, node.engines(), BOUND);
        try (socket;
                SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path));
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
                OutputStream out = Channels.newOutputStream(channel)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
            String requests = String.join(
                    "\n",
                    "{\"instance\":\"solo-1\",\"caller\":\"vm-1\",\"opid\":\"op-1\","
                            + "\"command\":{\"op\":\"vfio.container.open\",\"as\":\"c\"}}",
                    "{\"instance\":\"nowhere\",\"command\":{\"op\":\"vfio.container.open\",\"as\":\"c\"}}",
                    "{\"instance\":\"solo-1\",\"command\":{\"op\":\"no.such.op\"}}",
                    "not json",
                    "{\"instance\":\"solo-0\"}",
                    "{\"opid\":\"op-2\",\"command\":{\"op\":\"vfio.container.open\",\"as\":\"d\"}}",
                    "");
            out.write(requests.getBytes(StandardCharsets.UTF_8));
            out.flush();
            ObjectMapper json = new ObjectMapper();
            JsonNode answered = json.readTree(in.readLine());
            assertEquals("ok", answered.path("result").asText(), answered.toString());
            assertEquals(node.address(), answered.path("node").asText());
            assertTrue(answered.path("value").path("created").asText().startsWith("fd:"), answered.toString());
            JsonNode unknown = json.readTree(in.readLine());
            assertTrue(unknown.path("error").asText().contains("no engine instance \"nowhere\""), unknown.toString());
            JsonNode badOp = json.readTree(in.readLine());
            assertTrue(badOp.path("error").asText().contains("no.such.op"), badOp.toString());
            JsonNode notJson = json.readTree(in.readLine());
            assertTrue(notJson.path("error").asText().startsWith("not JSON"), notJson.toString());
            JsonNode selected = json.readTree(in.readLine());
            assertTrue(selected.path("selected").asBoolean(), selected.toString());
            JsonNode onChosen = json.readTree(in.readLine());
            assertEquals("solo-0", onChosen.path("instance").asText(), onChosen.toString());
            assertEquals("ok", onChosen.path("result").asText(), onChosen.toString());
        }
    }

    @Test
    void aNodeWithAnotherFleetIsRefusedWhenItJoins() throws Exception {
        int first = LoopbackPorts.free(1).getFirst();
        ClusterNode founder = node(first, List.of(first), "memory", Duration.ofMinutes(10));
        await("the first node to be up", () -> founder.membersUp() == 1);
        int second = LoopbackPorts.free(1).getFirst();
        ClusterSettings settings = ClusterSettings.of("127.0.0.1", second, List.of("127.0.0.1:" + first), "memory");
        refusedWhenJoining("the node with another fleet", () -> {
            ClusterNode stranger = ClusterNode.start(
                    settings,
                    Journals.inMemory(),
                    Fleet.numbered("solo", 3, Topologies.twoGroups()),
                    Duration.ofSeconds(20),
                    ConfigFactory.empty());
            nodes.add(stranger);
            return stranger;
        });
        assertEquals(1, founder.membersUp(), "the node with another fleet was let in");
    }

    @Test
    void aNodeWithOtherDowningTimingsIsRefusedWhenItJoins() throws Exception {
        int first = LoopbackPorts.free(1).getFirst();
        ClusterNode founder = node(first, List.of(first), "memory", Duration.ofMinutes(10));
        await("the first node to be up", () -> founder.membersUp() == 1);
        int second = LoopbackPorts.free(1).getFirst();
        // a loopback node would down the others after 1 s and wait 2 s where they allow themselves 7 s
        ClusterSettings settings = ClusterSettings.of("127.0.0.1", second, List.of("127.0.0.1:" + first), "memory")
                .withTimings(ClusterTimings.LOOPBACK);
        refusedWhenJoining("the node with other downing timings", () -> {
            ClusterNode stranger = ClusterNode.start(
                    settings, Journals.inMemory(), FLEET, Duration.ofSeconds(20), ConfigFactory.empty());
            nodes.add(stranger);
            return stranger;
        });
        assertEquals(1, founder.membersUp(), "the node with other downing timings was let in");
    }

    /** The node is refused and stops: while it starts (its start then fails), or soon after. */
    private static void refusedWhenJoining(String what, java.util.function.Supplier<ClusterNode> start)
            throws Exception {
        ClusterNode node;
        try {
            node = start.get();
        } catch (IllegalStateException stoppedWhileStarting) {
            return;
        }
        try {
            node.terminated().toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            fail("waited " + BOUND.toSeconds() + " s for " + what + " to be refused and stop");
        }
    }

    private static AnswerRecord decide(ClusterNode node, String instance, Command<?> command, String operationId)
            throws Exception {
        return node.engines()
                .decide(instance, command, "test", operationId, BOUND)
                .toCompletableFuture()
                .get(BOUND.toMillis(), TimeUnit.MILLISECONDS)
                .answer();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Waits.await(BOUND, what, condition);
    }
}
