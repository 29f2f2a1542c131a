package dev.custody.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.custody.entity.AnswerRecord;
import dev.custody.model.Command;
import dev.custody.persistence.Journals;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Three cluster nodes on 127.0.0.1 (three actor systems in this JVM) on the test PostgreSQL: requests
 * go to several instances through one node while the node holding one of them is killed; the
 * instance answers again from a survivor, every acknowledged answer is still the journal's (a retry
 * under its operation id gets the same answer, and the coordinator's journal holds it), and no
 * persistence id ever had two writers at once. {@code ./test} starts the server; without one
 * ({@value #URL} unset) the test is skipped, saying so.
 */
class ThreeNodeHandoffTest {
    static final String URL = "CUSTODY_TEST_POSTGRES_URL";
    /** A driver's wait for one answer: also how finely the handoff time is measured. */
    static final Duration ASK = Duration.ofSeconds(1);

    static final Duration BOUND = Duration.ofSeconds(30);
    static final int INSTANCES = 6;
    static final String CALLER = "handoff-test";

    /**
     * A killed node must vanish as a crashed one does: no graceful leave, no handoff; the survivors
     * find it silent, the Split Brain Resolver downs it, and only then are its instances started again.
     */
    static final Config CRASH_ON_TERMINATE =
            ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-actor-system-terminate = off");

    private final List<ClusterNode> nodes = new ArrayList<>();
    private final List<Thread> drivers = new ArrayList<>();
    private final AtomicBoolean driving = new AtomicBoolean(true);

    record Ack(String instance, String operationId, AnswerRecord answer, String node, long atNanos) {}

    @AfterEach
    void stop() throws InterruptedException {
        driving.set(false);
        for (Thread driver : drivers) {
            driver.join(10_000);
        }
        for (ClusterNode node : nodes) {
            node.close();
        }
    }

    @Test
    void anInstanceOfAKilledNodeAnswersAgainFromASurvivorWithNothingAcknowledgedLost() throws Exception {
        String url = System.getenv(URL);
        Assumptions.assumeTrue(
                url != null,
                "skipped: no PostgreSQL (" + URL + " is not set); ./test starts a throwaway server for this test");
        String user = System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_USER", "postgres");
        String password = System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_PASSWORD", "");
        Config journal = Journals.postgres(url, user, password);

        // a run of its own: instance names no earlier run on the same database used
        String prefix = "h" + Long.toString(System.currentTimeMillis(), 36);
        Fleet fleet = Fleet.numbered(prefix, INSTANCES, Topologies.twoGroups());
        List<Integer> ports = LoopbackPorts.free(3);
        List<String> seeds = ports.stream().map(p -> "127.0.0.1:" + p).toList();
        for (int port : ports) {
            ClusterSettings settings =
                    ClusterSettings.of("127.0.0.1", port, seeds, url).withTimings(ClusterTimings.LOOPBACK);
            nodes.add(ClusterNode.start(settings, journal, fleet, Duration.ofSeconds(20), CRASH_ON_TERMINATE));
        }
        await("all 3 nodes to see 3 members up", () -> nodes.stream().allMatch(n -> n.membersUp() == 3));

        // where each instance lands: the first answer names its node
        Map<String, String> holder = new HashMap<>();
        for (String instance : fleet.instances()) {
            holder.put(
                    instance,
                    decide(nodes.get(0), instance, new Command.ContainerOpen("warm"), "warm")
                            .node());
        }
        String target = prefix + "-0";
        ClusterNode victim = nodeAt(holder.get(target));
        ClusterNode front = nodes.stream().filter(n -> n != victim).findFirst().orElseThrow();
        List<String> moved = fleet.instances().stream()
                .filter(i -> holder.get(i).equals(victim.address()))
                .toList();

        Map<String, List<Ack>> acks = new ConcurrentHashMap<>();
        for (String instance : fleet.instances()) {
            acks.put(instance, java.util.Collections.synchronizedList(new ArrayList<>()));
            Thread driver = new Thread(() -> drive(front, instance, acks.get(instance)), "drive-" + instance);
            drivers.add(driver);
            driver.start();
        }
        await(
                "3 acknowledged operations on every instance before the kill",
                () -> acks.values().stream().allMatch(list -> list.size() >= 3));

        long killedAt = System.nanoTime();
        victim.close(); // as a crash: CRASH_ON_TERMINATE
        await(
                "every instance of the killed node (" + moved + ") to answer again from a survivor",
                () -> moved.stream()
                        .allMatch(i -> List.copyOf(acks.get(i)).stream() // a copy: the drivers still add
                                .anyMatch(
                                        a -> a.atNanos() > killedAt && !a.node().equals(victim.address()))));
        await(
                "2 more acknowledged operations on every instance after the kill",
                () -> acks.values().stream()
                        .allMatch(list -> List.copyOf(list).stream()
                                        .filter(a -> a.atNanos() > killedAt)
                                        .count()
                                >= 2));
        driving.set(false);
        for (Thread driver : drivers) {
            driver.join(TimeUnit.SECONDS.toMillis(10));
        }

        List<Long> handoffMillis = moved.stream()
                .map(i -> acks.get(i).stream()
                        .filter(a -> a.atNanos() > killedAt && !a.node().equals(victim.address()))
                        .mapToLong(a -> TimeUnit.NANOSECONDS.toMillis(a.atNanos() - killedAt))
                        .min()
                        .orElseThrow())
                .sorted()
                .toList();
        int acknowledged = acks.values().stream().mapToInt(List::size).sum();
        System.out.println(
                "cluster handoff: killed " + victim.address() + (victim == nodes.get(0) ? " (the first seed)" : "")
                        + "; its " + moved.size() + " instance(s) answered again from a survivor after " + handoffMillis
                        + " ms (" + acknowledged + " operations acknowledged on " + INSTANCES + " instances)");

        // every acknowledged answer is the journal's: a retry gets it again, never a second decision
        ClusterNode survivor = front;
        for (List<Ack> list : acks.values()) {
            for (Ack ack : List.copyOf(list)) {
                ShardReply.Answered again = decide(
                        survivor, ack.instance(), new Command.ContainerOpen(ack.operationId()), ack.operationId());
                assertEquals(
                        ack.answer(),
                        again.answer(),
                        "the retry of acknowledged operation " + ack.operationId() + " on " + ack.instance());
                assertNotEquals(victim.address(), again.node(), "the killed node answered after it was killed");
            }
        }
        for (String instance : fleet.instances()) {
            Map<String, AnswerRecord> journaled = JournalAnswers.of(survivor.runtime(), instance);
            for (Ack ack : List.copyOf(acks.get(instance))) {
                assertEquals(
                        ack.answer(),
                        journaled.get(ack.operationId()),
                        "the journal's answer to acknowledged operation " + ack.operationId() + " on " + instance);
            }
        }
        try (Connection db = DriverManager.getConnection(url, user, password)) {
            Map<String, List<String>> runs = WriterRuns.of(db, prefix);
            for (var pid : runs.entrySet()) {
                assertTrue(
                        !WriterRuns.twoWriters(pid.getValue()),
                        "persistence id " + pid.getKey() + " had two writers at once (writer runs " + pid.getValue()
                                + ")");
            }
            for (String instance : moved) {
                assertTrue(
                        runs.get(instance + "|kernel").size() >= 2,
                        "the coordinator of moved instance " + instance + " was written from a second incarnation");
            }
        }
    }

    /** Sends operations op-0, op-1, ... to one instance; an operation without an answer is retried under its id. */
    private void drive(ClusterNode front, String instance, List<Ack> acks) {
        int n = 0;
        while (driving.get()) {
            String operationId = "op-" + n;
            try {
                ShardReply.Answered answered = front.engines()
                        .decide(instance, new Command.ContainerOpen(operationId), CALLER, operationId, ASK)
                        .toCompletableFuture()
                        .get(ASK.toMillis() * 2, TimeUnit.MILLISECONDS);
                acks.add(new Ack(instance, operationId, answered.answer(), answered.node(), System.nanoTime()));
                n++;
            } catch (Exception unanswered) {
                // not acknowledged: retried under the same id, as a client that does not know would
            }
        }
    }

    private static ShardReply.Answered decide(ClusterNode via, String instance, Command<?> command, String operationId)
            throws Exception {
        return via.engines()
                .decide(instance, command, CALLER, operationId, BOUND)
                .toCompletableFuture()
                .get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    }

    private ClusterNode nodeAt(String address) {
        return nodes.stream()
                .filter(n -> n.address().equals(address))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no node at " + address));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Waits.await(BOUND, what, condition);
    }
}
