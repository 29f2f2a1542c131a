package dev.custody.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.cluster.WriterRuns;
import dev.custody.persistence.JournalSpec;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code custody cluster-test}: {@code nodes} {@code custody serve --cluster} JVMs on 127.0.0.1 and one
 * PostgreSQL journal, one client thread per host driving operations through the node sockets (each
 * with an operation id, retried under it until answered), and {@code kills} SIGKILLs of a seeded node,
 * each restarted once its hosts answer again elsewhere. Then the audit: every acknowledged operation,
 * asked again under its id, gets the answer it got (so it is in the journal, decided once); no
 * persistence id of the fleet had two writers at once (the journal's writer ids); and the time from
 * each kill until each host the node held answered again.
 */
public final class ClusterCrashTest {
    /** How long one request may wait: also how finely a handoff is measured. */
    static final Duration ASK = Duration.ofSeconds(1);

    /** How long a node may take to start and join, and the hosts of a killed node to answer again. */
    static final Duration BOUND = Duration.ofSeconds(120);

    /** How often the audit asks an acknowledged operation again before it gives up (counted as a problem, not lost). */
    static final int AUDIT_ATTEMPTS = 6;

    /** The machine of every host: two groups, three devices. */
    static final String TOPOLOGY = """
            {"topology": {"iommus": [{"name": "dmar0"}], "devices": [
              {"name": "0000:00:03.0", "iommu": "dmar0", "group": 1},
              {"name": "0000:00:03.1", "iommu": "dmar0", "group": 1},
              {"name": "0000:00:04.0", "iommu": "dmar0", "group": 2}]},
             "steps": []}
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param timings the nodes' {@code --cluster-timings} profile: {@code loopback} (they all run on
     *     127.0.0.1) unless a run measures the {@code network} one
     */
    public record Settings(
            int nodes, int hosts, int kills, long seed, JournalSpec journal, Path workDir, String timings) {}

    public record Result(
            int nodes,
            int hosts,
            int kills,
            long acknowledged,
            long lost,
            long violations,
            long dualWriters,
            double handoffSecondsP50,
            double handoffSecondsMax,
            long seed,
            List<String> problems) {
        public boolean passed() {
            return lost == 0 && violations == 0 && dualWriters == 0 && problems.isEmpty();
        }
    }

    record Ack(String host, String operationId, String answer, String node, long atNanos) {}

    private final Settings settings;
    private final PrintStream progress;
    private LoopbackNodes nodes;
    private final List<Process> children = new ArrayList<>();
    private final Map<String, List<Ack>> acks = new ConcurrentHashMap<>();
    private final AtomicBoolean driving = new AtomicBoolean(true);
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private Path topology;

    public ClusterCrashTest(Settings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    public Result run() throws Exception {
        topology = settings.workDir().resolve("topology.json");
        Files.writeString(topology, TOPOLOGY);
        nodes = new LoopbackNodes(new LoopbackNodes.Settings(
                settings.nodes(),
                settings.hosts(),
                "host",
                topology,
                settings.journal(),
                settings.workDir(),
                settings.timings()));
        List<Double> handoffs = new ArrayList<>();
        List<Thread> drivers = new ArrayList<>();
        try {
            for (int n = 0; n < settings.nodes(); n++) {
                children.add(startNode(n, false));
            }
            Random random = new Random(settings.seed());
            for (int h = 0; h < settings.hosts(); h++) {
                String host = "host-" + h;
                acks.put(host, Collections.synchronizedList(new ArrayList<>()));
                long hostSeed = random.nextLong();
                Thread driver = Thread.ofPlatform().name("drive-" + host).start(() -> drive(host, hostSeed));
                drivers.add(driver);
            }
            LoopbackNodes.await(
                    "an acknowledged operation on every host",
                    () -> acks.values().stream().noneMatch(List::isEmpty));
            for (int kill = 1; kill <= settings.kills(); kill++) {
                restartNodesThatStopped("before kill " + kill);
                int victim = random.nextInt(settings.nodes());
                String address = address(victim);
                List<String> held = acks.entrySet().stream()
                        .filter(e -> lastNode(e.getValue()).equals(address))
                        .map(Map.Entry::getKey)
                        .sorted()
                        .toList();
                children.get(victim).destroyForcibly(); // SIGKILL
                long killedAt = System.nanoTime();
                children.get(victim).waitFor(10, TimeUnit.SECONDS);
                progress.printf(
                        "%s kill %d: SIGKILL node %d (%s), holding %s%n",
                        java.time.LocalTime.now(), kill, victim, address, held);
                List<Double> moved = new ArrayList<>();
                for (String host : held) {
                    moved.add(awaitAnswerElsewhere(host, address, killedAt));
                }
                handoffs.addAll(moved);
                progress.printf(
                        "%s kill %d: its %d host(s) answered again from survivors after %s s; restarting it%n",
                        java.time.LocalTime.now(),
                        kill,
                        held.size(),
                        moved.stream()
                                .sorted()
                                .map(d -> String.format(java.util.Locale.ROOT, "%.1f", d))
                                .toList());
                children.set(victim, startNode(victim, true));
                Map<String, Integer> before = new HashMap<>();
                acks.forEach((host, list) -> before.put(host, list.size()));
                LoopbackNodes.await(
                        "3 more acknowledged operations on every host after the restart",
                        () -> acks.entrySet().stream()
                                .allMatch(e -> e.getValue().size() >= before.get(e.getKey()) + 3));
            }
            restartNodesThatStopped("after the last kill");
        } catch (IllegalStateException stuck) {
            // a wait that ran out or a node that would not start: the run ends here, the audit still runs
            problems.add(stuck.getMessage());
            progress.println("cluster-test: " + stuck.getMessage() + "; auditing what was acknowledged");
        } finally {
            driving.set(false);
            for (Thread driver : drivers) {
                driver.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
        try {
            long lost = audit();
            long violations = violations();
            long dualWriters = dualWriters();
            long acknowledged = acks.values().stream().mapToLong(List::size).sum();
            Collections.sort(handoffs);
            return new Result(
                    settings.nodes(),
                    settings.hosts(),
                    settings.kills(),
                    acknowledged,
                    lost,
                    violations,
                    dualWriters,
                    handoffs.isEmpty() ? 0 : handoffs.get(handoffs.size() / 2),
                    handoffs.isEmpty() ? 0 : handoffs.getLast(),
                    settings.seed(),
                    List.copyOf(problems));
        } finally {
            LoopbackNodes.stop(children);
        }
    }

    /**
     * A node this test did not kill that is no longer running stopped by itself: the cluster downed it
     * (it exits with status 1 then, e.g. when it was silent longer than the heartbeat pause on an
     * overloaded machine) or it failed. That is a problem of the run, reported; the node is started
     * again so that the kills go on with a majority.
     */
    private void restartNodesThatStopped(String when) throws Exception {
        for (int n = 0; n < children.size(); n++) {
            Process child = children.get(n);
            if (!child.isAlive()) {
                problems.add("node " + n + " (" + address(n) + ") stopped by itself " + when + ", exit status "
                        + child.exitValue() + " (downed by the cluster, or failed: see its log)");
                progress.printf("node %d stopped by itself %s (exit %d); restarting it%n", n, when, child.exitValue());
                children.set(n, startNode(n, true));
            }
        }
    }

    private String address(int node) {
        return nodes.address(node);
    }

    private Path socket(int node) {
        return nodes.socket(node);
    }

    private Process startNode(int n, boolean again) throws Exception {
        return nodes.start(n, again);
    }

    /** One host's client: operations op-0, op-1, ... through random live nodes, each retried under its id. */
    private void drive(String host, long seed) {
        Random random = new Random(seed);
        int n = 0;
        while (driving.get()) {
            String operationId = "op-" + n;
            int via = random.nextInt(settings.nodes());
            ObjectNode request = JSON.createObjectNode()
                    .put("instance", host)
                    .put("caller", "cluster-test")
                    .put("opid", operationId);
            request.putObject("command").put("op", "vfio.container.open").put("as", operationId);
            var answer = ClusterSocketClient.ask(socket(via), request, ASK);
            if (answer.isPresent() && answer.get().has("result")) {
                acks.get(host)
                        .add(new Ack(
                                host,
                                operationId,
                                answerOf(answer.get()),
                                answer.get().path("node").asText(),
                                System.nanoTime()));
                n++;
            }
        }
    }

    private static String answerOf(JsonNode answer) {
        return answer.path("result").asText() + " " + answer.path("reason").asText() + " " + answer.path("value");
    }

    private static String lastNode(List<Ack> list) {
        synchronized (list) {
            return list.isEmpty() ? "" : list.getLast().node();
        }
    }

    private double awaitAnswerElsewhere(String host, String dead, long killedAt) throws InterruptedException {
        long deadline = killedAt + BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            List<Ack> list = acks.get(host);
            synchronized (list) {
                for (Ack ack : list) {
                    if (ack.atNanos() > killedAt && !ack.node().equals(dead)) {
                        return (ack.atNanos() - killedAt) / 1e9;
                    }
                }
            }
            Thread.sleep(50); // polling the drivers' acknowledgements, with a deadline
        }
        problems.add(host + " did not answer from a survivor within " + BOUND.toSeconds() + " s of the kill");
        return BOUND.toSeconds();
    }

    /**
     * Every acknowledged operation asked again under its id: another answer is a loss (the operation
     * was decided again); no answer at all after {@link #AUDIT_ATTEMPTS} tries is a problem of its own.
     */
    private long audit() throws InterruptedException {
        java.util.concurrent.atomic.AtomicLong lost = new java.util.concurrent.atomic.AtomicLong();
        List<Thread> auditors = new ArrayList<>();
        for (List<Ack> list : acks.values()) { // one auditor per host: a host's engine answers one at a time
            auditors.add(Thread.ofVirtual().start(() -> lost.addAndGet(audit(List.copyOf(list)))));
        }
        for (Thread auditor : auditors) {
            auditor.join();
        }
        return lost.get();
    }

    private long audit(List<Ack> list) {
        long lost = 0;
        for (Ack ack : list) {
            ObjectNode request = JSON.createObjectNode()
                    .put("instance", ack.host())
                    .put("caller", "cluster-test")
                    .put("opid", ack.operationId());
            request.putObject("command").put("op", "vfio.container.open").put("as", ack.operationId());
            Optional<JsonNode> again = Optional.empty();
            // a request buffered for a shard being handed off is dropped by Pekko (no answer): ask again,
            // through another node each time, as a client does
            for (int attempt = 0;
                    attempt < AUDIT_ATTEMPTS && !again.map(a -> a.has("result")).orElse(false);
                    attempt++) {
                again = ClusterSocketClient.ask(
                        socket(Math.floorMod(ack.operationId().hashCode() + attempt, settings.nodes())),
                        request,
                        Duration.ofSeconds(10));
            }
            if (again.isEmpty() || !again.get().has("result")) {
                problems.add("the audit got no answer for " + ack.host() + " " + ack.operationId() + " in "
                        + AUDIT_ATTEMPTS + " attempts");
            } else if (!answerOf(again.get()).equals(ack.answer())) {
                progress.printf(
                        "lost: %s %s was answered %s, now %s%n",
                        ack.host(), ack.operationId(), ack.answer(), answerOf(again.get()));
                lost++;
            }
        }
        return lost;
    }

    /**
     * The invariants broken after any decision of any host: each host's journal replayed decision by
     * decision through the model, every invariant checked after each (what {@code replay} checks). A
     * host whose journal cannot be read is a problem, not a violation.
     */
    private long violations() {
        long found = 0;
        for (int h = 0; h < settings.hosts(); h++) {
            String instance = "host-" + h;
            try {
                var history =
                        dev.custody.replay.JournalReader.read(settings.journal().config(), instance);
                var invariants = new dev.custody.replay.InvariantCheck();
                dev.custody.replay.Replay.fold(history, Long.MAX_VALUE, List.of(invariants));
                invariants.violations().forEach(v -> progress.printf("violation: %s: %s%n", instance, v));
                found += invariants.violations().size();
            } catch (dev.custody.replay.BadJournal unreadable) {
                problems.add(instance + ": its journal cannot be replayed: " + unreadable.getMessage());
            }
        }
        return found;
    }

    /** Persistence ids of the fleet whose rows, in sequence order, show a writer again after another wrote. */
    private long dualWriters() throws Exception {
        var config = settings.journal().config();
        String db = "pekko-persistence-jdbc.shared-databases.slick.db.";
        long dual = 0;
        try (Connection connection = DriverManager.getConnection(
                config.getString(db + "url"), config.getString(db + "user"), config.getString(db + "password"))) {
            for (var pid : WriterRuns.of(connection, "host").entrySet()) {
                if (WriterRuns.twoWriters(pid.getValue())) {
                    progress.printf("two writers: %s, writer runs %s%n", pid.getKey(), pid.getValue());
                    dual++;
                }
            }
        }
        return dual;
    }
}
