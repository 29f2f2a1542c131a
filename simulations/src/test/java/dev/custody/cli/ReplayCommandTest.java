package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Topology;
import dev.custody.persistence.Journals;
import dev.custody.persistence.SchemaCreator;
import dev.custody.sim.SimTopology;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A journal a test engine wrote on H2, read back by {@code custody replay} and {@code custody inspect}. */
class ReplayCommandTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final DeviceId NIC = new DeviceId("0000:00:01.0");

    @TempDir
    Path data;

    private String journal;

    @BeforeEach
    void writeJournal() {
        Topology topology = SimTopology.generate(1, 3);
        var config = Journals.h2(data);
        SchemaCreator.createIfMissing(config);
        try (CustodyRuntime runtime = CustodyRuntime.start(config)) {
            EngineAdmin engine = EngineAdmin.start(runtime, "custody", topology, TIMEOUT)
                    .toCompletableFuture()
                    .join();
            engine.execute(new Command.DriverUnbind(NIC)).toCompletableFuture().join();
            engine.execute(new Command.DriverBind(NIC, "vfio-pci"))
                    .toCompletableFuture()
                    .join();
            engine.execute(new Command.GroupOpen(new dev.custody.model.GroupId(1), "g1"))
                    .toCompletableFuture()
                    .join();
            // the losing side of a race for the group: refused, and journaled all the same
            engine.as("qemu-2")
                    .decide(new Command.GroupOpen(new dev.custody.model.GroupId(1), "g1-again"), "second-open")
                    .toCompletableFuture()
                    .join();
            engine.stop().toCompletableFuture().join();
        }
        journal = "h2:" + data;
    }

    @Test
    void replaysEveryDecisionAndFindsNoViolation() throws Exception {
        CliRun run = CliRun.of("replay", "--journal", journal, "--json");
        assertEquals(0, run.status(), run.err());
        JsonNode summary = new ObjectMapper().readTree(run.out());
        assertTrue(summary.get("decisions").asInt() >= 3, run.out());
        assertEquals(0, summary.get("violations").size());
        assertEquals(0, summary.get("openDecisions").size());
        assertTrue(summary.get("format").asText().startsWith("journal format 1, written by Custody "), run.out());
    }

    @Test
    void aGroupsHistoryShowsTheRefusedAttemptsAndReplayDecidesThemAgain() throws Exception {
        CliRun run = CliRun.of("replay", "--journal", journal, "--group", "1", "--json");
        assertEquals(0, run.status(), run.err());
        JsonNode summary = new ObjectMapper().readTree(run.out());
        assertEquals(0, summary.get("violations").size(), run.out());
        assertTrue(summary.get("answeredUnchanged").asInt() >= 1, run.out());
        assertTrue(summary.get("commandsDecidedAgain").asInt() >= 4, run.out());
        JsonNode refused = null;
        for (JsonNode entry : summary.get("timeline").get("entries")) {
            if (entry.get("operationId").asText().equals("second-open")) {
                refused = entry;
            }
        }
        assertTrue(refused != null, "the refused open is in the group's history: " + run.out());
        assertEquals("EBUSY", refused.get("result").asText());
        assertEquals("qemu-2", refused.get("caller").asText());
        assertEquals(4, refused.get("afterSeq").asInt(), "decided after the first open, decision 4");

        CliRun text = CliRun.of("replay", "--journal", journal, "--group", "1");
        assertTrue(text.out().contains("second-open by qemu-2") && text.out().contains("-> EBUSY"), text.out());
    }

    @Test
    void atPrintsTheStateAfterThatDecision() {
        CliRun boot = CliRun.of("replay", "--journal", journal, "--at", "1");
        assertEquals(0, boot.status(), boot.err());
        assertTrue(boot.out().contains("state after decision 1:"), boot.out());
        assertTrue(boot.out().contains("iommu_groups/1"), boot.out());

        CliRun later = CliRun.of("replay", "--journal", journal, "--at", "3", "--json");
        assertTrue(later.out().contains("\"driver\":\"vfio-pci\""), later.out());
    }

    @Test
    void groupAndDeviceHistoriesNameOwnerCountAndDomainMoves() {
        CliRun group = CliRun.of("replay", "--journal", journal, "--group", "1");
        assertEquals(0, group.status(), group.err());
        assertTrue(group.out().contains("history of group 1:"), group.out());
        assertTrue(group.out().contains("owner_cnt 1 -> 0"), group.out());

        CliRun device = CliRun.of("replay", "--journal", journal, "--device", NIC.name(), "--json");
        assertEquals(0, device.status(), device.err());
        assertTrue(device.out().contains("DriverBound"), device.out());
    }

    @Test
    void inspectShowsTheRecoveredState() {
        CliRun inspect = CliRun.of("inspect", "--journal", journal);
        assertEquals(0, inspect.status(), inspect.err());
        assertTrue(inspect.out().contains("driver=vfio-pci"), inspect.out());
    }

    @Test
    void anUnknownInstanceIsRefusedNamingTheOnesPresent() {
        CliRun run = CliRun.of("replay", "--journal", journal, "--instance", "nope");
        assertEquals(2, run.status());
        assertTrue(run.err().contains("instances present: custody"), run.err());
    }

    /** A damaged row: replay refuses with exit 2 and names the record, and changes nothing. */
    @Test
    void aCorruptRecordIsNamedAndNothingIsWritten() throws Exception {
        var config = Journals.h2(data);
        String url = config.getString("pekko-persistence-jdbc.shared-databases.slick.db.url");
        try (var connection = java.sql.DriverManager.getConnection(url, "sa", "");
                var damage = connection.prepareStatement("update \"event_journal\" set \"event_payload\" = ?"
                        + " where \"persistence_id\" = 'custody|kernel' and \"sequence_number\" = 2")) {
            damage.setBytes(1, new byte[] {1, 2, 3});
            assertEquals(1, damage.executeUpdate());
        }
        CliRun run = CliRun.of("replay", "--journal", journal);
        assertEquals(2, run.status(), run.out() + run.err());
        assertTrue(run.err().contains("record 2 of custody|kernel"), run.err());
    }

    /** Reading is read only: a journal that does not exist is refused, and no empty one is left behind. */
    @Test
    void aMissingJournalIsRefusedAndNotCreated() {
        Path nowhere = data.resolve("nowhere");
        CliRun run = CliRun.of("replay", "--journal", "h2:" + nowhere);
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("there is no journal at"), run.err());
        assertTrue(!java.nio.file.Files.exists(nowhere), "the reader created " + nowhere);
    }

    @Test
    void theTraceHoldsTheJournalsDecisionsTheRefusalAndTheOwnershipSpans() throws Exception {
        Path trace = data.resolve("journal-trace.json");
        CliRun run = CliRun.of("replay", "--journal", journal, "--trace", trace.toString(), "--json");
        assertEquals(0, run.status(), run.err());
        var contents = dev.custody.trace.TraceEventFormat.check(new ObjectMapper().readTree(trace.toFile()));
        var calls = contents.onTrack("decisions", "decisions");
        JsonNode refused = calls.stream()
                .filter(e -> e.get("args").get("operationId").asText().equals("second-open"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the refused open is an instant: " + calls));
        assertEquals("vfio.group.open", refused.get("name").asText());
        assertEquals("EBUSY", refused.get("args").get("errno").asText());
        assertEquals("qemu-2", refused.get("args").get("caller").asText());
        assertTrue(calls.stream().anyMatch(e -> e.get("name").asText().equals("boot")), "the boot decision");
        assertTrue(contents.otherData().get("clock").asText().startsWith("journal"));
        // the NIC did kernel DMA for e1000e, then was bound to vfio-pci (no DMA until a user claims it)
        var nic = contents.onTrack("devices", NIC.name()).stream()
                .filter(e -> e.get("ph").asText().equals("B"))
                .map(e -> e.get("name").asText())
                .toList();
        assertTrue(nic.contains("kernel DMA") && nic.contains("bound vfio-pci"), nic.toString());
        assertEquals(
                trace.toString(),
                new ObjectMapper().readTree(run.out()).get("trace").asText());
    }

    @Test
    void theReportHasEveryChangeBesideItAsCsv() throws Exception {
        Path report = data.resolve("replay.html");
        CliRun run = CliRun.of("replay", "--journal", journal, "--report", report.toString());
        assertEquals(0, run.status(), run.err());
        String csv = java.nio.file.Files.readString(data.resolve("replay.csv"));
        assertTrue(csv.startsWith("group,decision,operation_id,before,after\r\n"), csv);
        assertTrue(csv.lines().count() >= 3, csv);
        String html = java.nio.file.Files.readString(report);
        assertTrue(html.contains("href=\"replay.csv\"") && html.contains("class=\"axis x-axis\""), html);
    }

    @Test
    void aTraceInAMissingDirectoryIsRefusedBeforeTheJournalIsRead() {
        CliRun run = CliRun.of(
                "replay",
                "--journal",
                journal,
                "--trace",
                data.resolve("no/such/dir/t.json").toString());
        assertEquals(2, run.status(), run.out() + run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith("custody replay: --trace ") && run.err().contains("does not exist"), run.err());
    }
}
