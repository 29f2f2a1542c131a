package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.entity.KernelJournal;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An answer goes out only after its decision is on stable storage. Concurrent callers run against the
 * H2 journal on {@link PowerCutFiles}, which keeps what a power cut would leave of the file (only the
 * bytes written before its last fsync); every so often, right after an answer, the power is cut there
 * (a copy of those bytes), and every decision answered before the cut must be in the journal the cut
 * leaves. The same run on the journal as it was before (H2 committing without a sync) loses answered
 * decisions, which shows that the harness can see a loss.
 */
class PowerCutDurabilityTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String INSTANCE = "power";
    private static final int CALLERS = 16;
    private static final int CALLS = 30;
    /** A cut after every this many answers. */
    private static final int CUT_EVERY = 37;

    @TempDir
    Path data;

    @BeforeAll
    static void fileSystem() {
        PowerCutFiles.register();
    }

    /** What was answered when the power was cut, and what the cut left on disk. */
    private record Cut(Set<String> answered, Path file) {}

    private record Run(List<Cut> cuts, long decisions, long forces) {}

    @Test
    void everyAnsweredDecisionSurvivesAPowerCutWheneverItComes() throws Exception {
        Run run = run(journal());
        assertTrue(run.cuts().size() >= 5, run.cuts().size() + " cuts");
        for (Cut cut : run.cuts()) {
            Set<String> survived = decisionsIn(cut.file());
            Set<String> lost = new HashSet<>(cut.answered());
            lost.removeAll(survived);
            assertEquals(Set.of(), lost, "answered before the cut of " + cut.file() + ", missing after it");
        }
        assertEquals(CALLERS * CALLS, run.decisions());
        System.out.println("power cut: " + run.cuts().size() + " cuts, " + run.forces() + " fsyncs of the journal for "
                + run.decisions() + " answered decisions of " + CALLERS + " concurrent callers");
        assertTrue(
                run.forces() < run.decisions(),
                run.forces() + " fsyncs for " + run.decisions() + " decisions: concurrent callers share them");
    }

    /**
     * On a slow disk H2's background writer is often still storing when the coordinator's write asks
     * for a sync: the sync must wait for that store too, or the answer goes out before its decision is
     * even written (CHECKPOINT SYNC does not wait for it).
     */
    @Test
    void onASlowDiskTooEveryAnsweredDecisionSurvives() throws Exception {
        PowerCutFiles.slowWrites(Duration.ofMillis(3));
        try {
            everyAnsweredDecisionSurvivesAPowerCutWheneverItComes();
        } finally {
            PowerCutFiles.slowWrites(Duration.ZERO);
        }
    }

    @Test
    void withoutTheSyncAPowerCutLosesAnsweredDecisions() throws Exception {
        Config unsynced = journal()
                .withValue("custody.coordinator-journal", ConfigValueFactory.fromAnyRef(""))
                .withValue(
                        "pekko-persistence-jdbc.shared-databases.slick.db.url",
                        ConfigValueFactory.fromAnyRef(
                                "jdbc:h2:" + location() + ";DATABASE_TO_UPPER=false;WRITE_DELAY=0"));
        Run run = run(unsynced);
        Cut last = run.cuts().getLast();
        Set<String> lost = new HashSet<>(last.answered());
        lost.removeAll(decisionsIn(last.file()));
        assertFalse(lost.isEmpty(), "H2 committing without a sync kept every answered decision through a power cut");
    }

    private String location() {
        return PowerCutFiles.SCHEME + ":" + data.resolve(Journals.H2_FILE).toAbsolutePath();
    }

    private Config journal() {
        return Journals.h2At(location());
    }

    private static Topology machine() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        for (int n = 0; n < CALLERS; n++) {
            DeviceId id = new DeviceId(String.format("0000:00:%02x.0", n + 3));
            devices.put(
                    id,
                    new DeviceSpec(
                            id,
                            Optional.of("dmar0"),
                            Optional.of(new GroupId(n + 1)),
                            List.of(),
                            false,
                            true,
                            Optional.empty()));
        }
        return new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
    }

    /** Every caller flips its own device's driver_override {@link #CALLS} times, one call in flight each. */
    private Run run(Config journal) throws Exception {
        SchemaCreator.createIfMissing(journal);
        Topology machine = machine();
        PowerCutFiles.DurableImage image = PowerCutFiles.image(data.resolve(Journals.H2_FILE + ".mv.db"));
        List<Cut> cuts = new ArrayList<>();
        Set<String> answered = new HashSet<>();
        AtomicInteger decisions = new AtomicInteger();
        long forcesBefore;
        long forcesAfter;
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = EngineAdmin.start(runtime, INSTANCE, machine, TIMEOUT)
                    .toCompletableFuture()
                    .join();
            forcesBefore = image.forces();
            List<CompletableFuture<Void>> callers = new ArrayList<>();
            int caller = 0;
            for (DeviceId device : machine.devices().keySet()) {
                callers.add(flip(engine.as("caller" + caller++), device, 0, answered, cuts, image, decisions));
            }
            CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            forcesAfter = image.forces();
            synchronized (answered) {
                cuts.add(cut(answered, image, cuts.size()));
            }
            engine.stop().toCompletableFuture().join();
        }
        return new Run(List.copyOf(cuts), decisions.get(), forcesAfter - forcesBefore);
    }

    private CompletableFuture<Void> flip(
            EngineAdmin engine,
            DeviceId device,
            int call,
            Set<String> answered,
            List<Cut> cuts,
            PowerCutFiles.DurableImage image,
            AtomicInteger decisions) {
        if (call == CALLS) {
            return CompletableFuture.completedFuture(null);
        }
        Optional<String> override = call % 2 == 0 ? Optional.of("vfio-pci") : Optional.empty();
        String operation = engine.caller() + "-" + call;
        return engine.decide(new Command.DriverOverride(device, override), operation)
                .toCompletableFuture()
                .thenCompose(decision -> {
                    assertEquals(1, decision.events().size(), decision.toString());
                    decisions.incrementAndGet();
                    synchronized (answered) {
                        answered.add(operation);
                        if (answered.size() % CUT_EVERY == 0) {
                            cuts.add(cut(answered, image, cuts.size()));
                        }
                    }
                    return flip(engine, device, call + 1, answered, cuts, image, decisions);
                });
    }

    private Cut cut(Set<String> answered, PowerCutFiles.DurableImage image, int number) {
        Path file = data.resolve("cut-" + number).resolve(Journals.H2_FILE + ".mv.db");
        try {
            image.cut(file);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot copy the durable image", e);
        }
        return new Cut(Set.copyOf(answered), file);
    }

    /** The operation ids of the decisions in the coordinator's journal a cut left. */
    private static Set<String> decisionsIn(Path file) throws Exception {
        if (!Files.exists(file)) {
            return Set.of();
        }
        String name = file.toAbsolutePath().toString();
        String url = "jdbc:h2:file:" + name.substring(0, name.length() - ".mv.db".length())
                + ";DATABASE_TO_UPPER=false;IFEXISTS=TRUE";
        KryoJournalSerializer serializer = new KryoJournalSerializer();
        Set<String> decided = new HashSet<>();
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
                PreparedStatement query = connection.prepareStatement("select \"event_payload\", \"event_ser_manifest\""
                        + " from \"event_journal\" where \"persistence_id\" = ?")) {
            query.setString(1, INSTANCE + "|kernel");
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    if (serializer.fromBinary(rows.getBytes(1), rows.getString(2))
                            instanceof KernelJournal.Decided decision) {
                        decided.add(decision.command().operationId());
                    }
                }
            }
        } catch (java.sql.SQLException noTables) {
            if (noTables.getErrorCode() == 42104 || noTables.getErrorCode() == 90146) { // no table, no database
                return Set.of();
            }
            throw noTables;
        }
        return decided;
    }
}
