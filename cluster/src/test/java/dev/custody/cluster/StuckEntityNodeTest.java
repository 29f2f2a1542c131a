package dev.custody.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.persistence.Journals;
import dev.custody.persistence.SchemaCreator;
import dev.custody.server.Limits;
import dev.custody.server.Policy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two cluster nodes on 127.0.0.1 and the test PostgreSQL, one instance of whose journal has a device
 * row torn (as a write cut short leaves it) and a decision open for that device: the instance starts
 * on its node within {@link #BOUND} and serves, the node names the stuck device (persistence id, row,
 * reason) in {@code query-metrics} through either node's control socket, nothing is written to the
 * device's rows, and every other instance answers through both nodes. {@code ./test} starts the
 * server; without one ({@value ThreeNodeHandoffTest#URL} unset) the test is skipped, saying so.
 */
class StuckEntityNodeTest {
    /** Every wait of the test: far above the second or so an instance's start takes with a stuck entity. */
    static final Duration BOUND = Duration.ofSeconds(30);

    static final String CALLER = "stuck-test";
    static final DeviceId DEVICE = new DeviceId("0000:00:04.0");
    static final int INSTANCES = 4;

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable each : started.reversed()) {
            each.close();
        }
    }

    @Test
    @Timeout(180)
    void aNodeServesAnInstanceWithAStuckEntityNamesItAndTheOtherInstancesKeepAnswering(@TempDir Path dir)
            throws Exception {
        String url = System.getenv(ThreeNodeHandoffTest.URL);
        Assumptions.assumeTrue(
                url != null,
                "skipped: no PostgreSQL (" + ThreeNodeHandoffTest.URL
                        + " is not set); ./test starts a throwaway server for this test");
        String user = System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_USER", "postgres");
        String password = System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_PASSWORD", "");
        Config journal = Journals.postgres(url, user, password);
        SchemaCreator.createIfMissing(journal.withFallback(ConfigFactory.load()));

        // a run of its own: instance names no earlier run on the same database used
        String prefix = "s" + Long.toString(System.currentTimeMillis(), 36);
        Fleet fleet = Fleet.numbered(prefix, INSTANCES, Topologies.twoGroups());
        String stuckInstance = prefix + "-0";
        String persistenceId = stuckInstance + "|device|" + DEVICE.name();

        // the instance's journal as a crash can leave it: the device's last row torn, a decision for it open
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = engine(runtime, stuckInstance);
            assertTrue(engine.execute(new Command.DriverBind(DEVICE, "vfio-pci"))
                    .toCompletableFuture()
                    .join()
                    .isOk());
            engine.quiesce().toCompletableFuture().join();
            engine.stop().toCompletableFuture().join();
        }
        long torn;
        try (Connection db = DriverManager.getConnection(url, user, password)) {
            torn = tearLastRow(db, persistenceId);
        }
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = engine(runtime, stuckInstance);
            assertTrue(engine.execute(new Command.DriverUnbind(DEVICE))
                    .toCompletableFuture()
                    .join()
                    .isOk());
            engine.halt().toCompletableFuture().join();
        }
        List<String> rowsBefore;
        try (Connection db = DriverManager.getConnection(url, user, password)) {
            rowsBefore = rows(db, persistenceId);
        }

        List<Integer> ports = LoopbackPorts.free(2);
        List<String> seeds = ports.stream().map(p -> "127.0.0.1:" + p).toList();
        List<ClusterNode> nodes = new ArrayList<>();
        for (int port : ports) {
            ClusterSettings settings =
                    ClusterSettings.of("127.0.0.1", port, seeds, url).withTimings(ClusterTimings.LOOPBACK);
            ClusterNode node =
                    ClusterNode.start(settings, journal, fleet, Duration.ofSeconds(20), ConfigFactory.empty());
            started.add(node);
            nodes.add(node);
        }
        Waits.await(
                BOUND, "both nodes to see 2 members up", () -> nodes.stream().allMatch(n -> n.membersUp() == 2));

        // the instance starts, settled with the device stuck, and serves
        long startAsked = System.nanoTime();
        ShardReply.Answered first = decide(nodes.get(0), stuckInstance, new Command.ContainerOpen("c"), "op-1");
        System.out.println("the instance with a stuck device answered from " + first.node() + " "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startAsked) + " ms after the first request");
        assertTrue(first.answer().ok(), first.toString());
        // a decision about the stuck device is answered too (it stays open for the device)
        ShardReply.Answered aboutIt =
                decide(nodes.get(1), stuckInstance, new Command.DriverBind(DEVICE, "vfio-pci"), "op-2");
        assertTrue(aboutIt.answer().ok(), aboutIt.toString());

        // either node names it, by its control socket
        for (int n = 0; n < nodes.size(); n++) {
            Path path = dir.resolve("control-" + n + ".sock");
            started.add(ClusterControlSocket.start(
                    path, nodes.get(n).engines(), Policy.ownerOnly(), Limits.defaults(), BOUND));
            ControlLines client = new ControlLines(path, BOUND);
            started.add(client);
            JsonNode greeting = client.call("{\"instance\": \"" + stuckInstance + "\"}");
            assertEquals(stuckInstance, greeting.at("/custody/instance").asText(), greeting.toString());
            JsonNode metrics = client.call("{\"execute\": \"query-metrics\"}");
            JsonNode stuck = metrics.at("/return/stuckEntities");
            assertEquals(1, stuck.size(), metrics.toString());
            assertEquals(persistenceId, stuck.get(0).path("persistenceId").asText(), metrics.toString());
            String reason = stuck.get(0).path("reason").asText();
            assertTrue(
                    reason.contains("the row with sequence number " + torn + " of persistence id " + persistenceId),
                    reason);
        }

        // every other instance answers through both nodes, from wherever it lives
        Set<String> answeredFrom = new HashSet<>();
        for (String instance : fleet.instances()) {
            if (instance.equals(stuckInstance)) {
                continue;
            }
            for (int n = 0; n < nodes.size(); n++) {
                ShardReply.Answered answered =
                        decide(nodes.get(n), instance, new Command.ContainerOpen("c" + n), "op-" + instance + "-" + n);
                assertTrue(answered.answer().ok(), instance + " through node " + n + ": " + answered);
                answeredFrom.add(answered.node());
            }
        }
        System.out.println("the other instances answered from " + answeredFrom);

        try (Connection db = DriverManager.getConnection(url, user, password)) {
            assertEquals(rowsBefore, rows(db, persistenceId), "something was written to the stuck device's journal");
        }
    }

    private static EngineAdmin engine(CustodyRuntime runtime, String instance) {
        return EngineAdmin.start(runtime, instance, Topologies.twoGroups(), BOUND)
                .toCompletableFuture()
                .join();
    }

    private static ShardReply.Answered decide(ClusterNode via, String instance, Command<?> command, String operationId)
            throws Exception {
        return via.engines()
                .decide(instance, command, CALLER, operationId, BOUND)
                .toCompletableFuture()
                .get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The persistence id's last row with its payload cut in half, as a torn write leaves it; its sequence number. */
    private static long tearLastRow(Connection db, String persistenceId) throws Exception {
        long last;
        byte[] payload;
        try (PreparedStatement read = db.prepareStatement("select \"sequence_number\", \"event_payload\""
                + " from \"event_journal\" where \"persistence_id\" = ? order by \"sequence_number\" desc limit 1")) {
            read.setString(1, persistenceId);
            try (ResultSet row = read.executeQuery()) {
                assertTrue(row.next(), persistenceId + " has rows");
                last = row.getLong(1);
                payload = row.getBytes(2);
            }
        }
        try (PreparedStatement write = db.prepareStatement("update \"event_journal\" set \"event_payload\" = ?"
                + " where \"persistence_id\" = ? and \"sequence_number\" = ?")) {
            write.setBytes(1, Arrays.copyOf(payload, payload.length / 2));
            write.setString(2, persistenceId);
            write.setLong(3, last);
            assertEquals(1, write.executeUpdate());
        }
        return last;
    }

    /** The persistence id's journal rows, as text, in order. */
    private static List<String> rows(Connection db, String persistenceId) throws Exception {
        List<String> rows = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement("select \"sequence_number\", \"event_payload\""
                + " from \"event_journal\" where \"persistence_id\" = ? order by \"sequence_number\"")) {
            query.setString(1, persistenceId);
            try (ResultSet row = query.executeQuery()) {
                while (row.next()) {
                    rows.add(row.getLong(1) + "|" + Arrays.toString(row.getBytes(2)));
                }
            }
        }
        assertTrue(!rows.isEmpty(), persistenceId + " has rows");
        return rows;
    }
}
