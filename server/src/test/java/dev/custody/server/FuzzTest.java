package dev.custody.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.OwnershipChange;
import dev.custody.invariants.Invariants;
import dev.custody.invariants.Violation;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Arg;
import dev.custody.ops.Operation;
import dev.custody.ops.Operations;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A seeded, time-bounded barrage of bad input: random and mutated frames, oversized lines, binary
 * garbage, half lines, a client that never reads, a thousand connections at once and callers the
 * policy does not know. Afterwards the server must still answer, every journaled decision folded
 * from the start must give the engine's state, and every invariant must hold.
 */
class FuzzTest {
    private static final long SEED = Long.getLong("custody.fuzz.seed", 20260);
    private static final Duration BUDGET = Duration.ofSeconds(Long.getLong("custody.fuzz.seconds", 12));
    private static final int LINE_LIMIT = 16 * 1024;

    @Test
    @Timeout(240)
    void badInputNeverCrashesTheServerNorCorruptsTheJournal() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        // every seventh connection is a user the policy does not name
        PeerIdentity identity = channel -> connections.incrementAndGet() % 7 == 0
                ? PeerCredentials.of("nobody", "nogroup")
                : PeerIdentity.KERNEL.of(channel);
        try (ServerFixture fixture = ServerFixture.start(
                Topologies.threeGroups(),
                s -> s.withLimits(s.limits()
                        .withMaxLineBytes(LINE_LIMIT)
                        .withMaxConnections(1100)
                        .withMaxQueuedMessages(64)
                        .withIdleTimeout(Duration.ofSeconds(5))),
                identity)) {
            KernelState initial = fixture.custody.state().toCompletableFuture().get(30, TimeUnit.SECONDS);
            List<OwnershipChange> journaled = new CopyOnWriteArrayList<>();
            AutoCloseable listening = fixture.custody
                    .subscribe(journaled::add)
                    .toCompletableFuture()
                    .get();

            Random random = new Random(SEED);
            long deadline = System.nanoTime() + BUDGET.toNanos();
            int rounds = 0;
            while (System.nanoTime() < deadline) {
                rounds++;
                switch (random.nextInt(6)) {
                    case 0, 1 -> mutatedRequests(fixture, random);
                    case 2 -> garbage(fixture, random);
                    case 3 -> oversized(fixture, random);
                    case 4 -> halfLineAndGone(fixture, random);
                    default -> neverReads(fixture);
                }
            }
            thousandConnections(fixture);

            try (TestClient client = connectAsKnownUser(fixture)) {
                JsonNode status = client.call(request("{\"execute\": \"query-status\"}"));
                assertTrue(
                        status.at("/return/ready").asBoolean(),
                        "the server still answers after " + rounds + " rounds (seed " + SEED + "): " + status);
            }
            KernelState now = fixture.custody.state().toCompletableFuture().get(30, TimeUnit.SECONDS);
            fixture.custody.quiesce().toCompletableFuture().get(30, TimeUnit.SECONDS);
            listening.close();
            KernelState replayed = initial;
            long seq = -1;
            for (OwnershipChange change : journaled) {
                assertTrue(seq < 0 || change.seq() == seq + 1, "decisions are published in order");
                seq = change.seq();
                replayed = replayed.applyAll(change.events());
            }
            assertEquals(now, replayed, "the journaled decisions fold to the engine's state (seed " + SEED + ")");
            // in-kernel calls made out of turn break caller contracts (CALLER kind); the kernel's own must hold
            assertEquals(
                    List.of(),
                    Invariants.check(now).stream()
                            .filter(v -> v.kind() == Violation.Kind.KERNEL)
                            .toList(),
                    "every kernel invariant holds (seed " + SEED + ")");
        }
    }

    /** Valid-looking requests of random operations with arguments dropped, retyped or invented. */
    private static void mutatedRequests(ServerFixture fixture, Random random) throws IOException {
        try (TestClient client = connectAsKnownUser(fixture)) {
            if (client == null) {
                return;
            }
            List<Operation<?>> operations = Operations.all();
            for (int i = 0; i < 20; i++) {
                Operation<?> operation = operations.get(random.nextInt(operations.size()));
                ObjectNode request = TestClient.JSON.createObjectNode();
                request.put("execute", random.nextInt(20) == 0 ? "no.such.op" : operation.name());
                ObjectNode args = request.putObject("arguments");
                for (Arg arg : operation.args()) {
                    if (random.nextInt(6) == 0) {
                        continue; // dropped
                    }
                    args.set(arg.name(), value(random));
                }
                if (random.nextInt(10) == 0) {
                    args.put("unexpected", 1);
                }
                if (random.nextBoolean()) {
                    request.put("as", "n" + random.nextInt(4));
                }
                if (random.nextInt(4) == 0) {
                    request.put("opid", "fuzz-" + random.nextInt(50));
                }
                if (random.nextInt(5) == 0) {
                    request.put("holder", "h" + random.nextInt(3));
                }
                request.put("id", i);
                String text = request.toString();
                if (random.nextInt(8) == 0) {
                    int cut = random.nextInt(text.length());
                    text = text.substring(0, cut) + (char) (32 + random.nextInt(90)) + text.substring(cut);
                }
                client.send(text);
                JsonNode answer = client.next(Duration.ofSeconds(60));
                while (answer.has("event")) {
                    answer = client.next(Duration.ofSeconds(60));
                }
                assertTrue(answer.has("return") || answer.has("error"), "an answer to " + text + ": " + answer);
            }
        }
    }

    private static JsonNode value(Random random) {
        return switch (random.nextInt(9)) {
            case 0 -> TestClient.JSON.getNodeFactory().numberNode(random.nextInt(5));
            case 1 -> TestClient.JSON.getNodeFactory().textNode("0000:00:0" + (3 + random.nextInt(3)) + ".0");
            case 2 -> TestClient.JSON.getNodeFactory().textNode(random.nextBoolean() ? "vfio-pci" : "e1000e");
            case 3 -> TestClient.JSON.getNodeFactory().textNode("n" + random.nextInt(4));
            case 4 -> TestClient.JSON.getNodeFactory().nullNode();
            case 5 -> TestClient.JSON.getNodeFactory().booleanNode(random.nextBoolean());
            case 6 -> TestClient.JSON.getNodeFactory().arrayNode().add("READ").add(random.nextInt());
            case 7 -> TestClient.JSON.getNodeFactory().numberNode(random.nextLong());
            default -> TestClient.JSON.getNodeFactory().textNode("0x" + Long.toHexString(random.nextLong()));
        };
    }

    private static void garbage(ServerFixture fixture, Random random) throws IOException {
        try (TestClient client = connectAsKnownUser(fixture)) {
            if (client == null) {
                return;
            }
            byte[] bytes = new byte[1 + random.nextInt(4096)];
            random.nextBytes(bytes);
            client.sendRaw(bytes);
            client.sendRaw("\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void oversized(ServerFixture fixture, Random random) throws IOException {
        try (TestClient client = connectAsKnownUser(fixture)) {
            if (client == null) {
                return;
            }
            byte[] bytes = new byte[LINE_LIMIT + 1 + random.nextInt(LINE_LIMIT)];
            java.util.Arrays.fill(bytes, (byte) 'a');
            try {
                client.sendRaw(bytes);
            } catch (IOException disconnected) {
                return; // the server may close before everything is written
            }
            JsonNode answer = client.next(Duration.ofSeconds(30));
            assertEquals("EMSGSIZE", answer.at("/error/class").asText(), answer.toString());
        }
    }

    private static void halfLineAndGone(ServerFixture fixture, Random random) throws IOException {
        try (TestClient client = connectAsKnownUser(fixture)) {
            if (client == null) {
                return;
            }
            client.sendRaw("{\"execute\": \"vfio.container.open\", \"as\": \"half".getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Sends requests and never reads: the server disconnects it once its queue is full. */
    private static void neverReads(ServerFixture fixture) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(fixture.socket()));
            byte[] line = "{\"execute\": \"query-state\"}\n".getBytes(StandardCharsets.UTF_8);
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            try {
                while (System.nanoTime() < until) {
                    ByteBuffer buffer = ByteBuffer.wrap(line);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
            } catch (IOException disconnected) {
                return; // what should happen
            }
        }
    }

    private static void thousandConnections(ServerFixture fixture) throws IOException {
        List<TestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                clients.add(new TestClient(fixture.socket()));
            }
            int greeted = 0;
            for (TestClient client : clients) {
                greeted += client.greeting.has("custody") ? 1 : 0;
            }
            assertTrue(greeted > 800, "most of 1,000 connections were greeted: " + greeted);
        } finally {
            for (TestClient client : clients) {
                client.close();
            }
        }
    }

    /** A connection the policy accepts (the fake identity refuses every seventh: it is tried again). */
    private static TestClient connectAsKnownUser(ServerFixture fixture) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            TestClient client = new TestClient(fixture.socket());
            if (client.greeting.has("custody")) {
                return client;
            }
            assertEquals("EACCES", client.greeting.at("/error/class").asText(), client.greeting.toString());
            client.close();
        }
        return null;
    }

    private static ObjectNode request(String json) throws IOException {
        return (ObjectNode) TestClient.JSON.readTree(json);
    }
}
