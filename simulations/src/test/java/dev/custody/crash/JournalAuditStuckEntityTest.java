package dev.custody.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.entity.Settled;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Topology;
import dev.custody.persistence.Journals;
import dev.custody.persistence.SchemaCreator;
import dev.custody.persistence.TornRows;
import dev.custody.replay.JournalHistory;
import dev.custody.replay.JournalReader;
import dev.custody.replay.Replay;
import dev.custody.replay.StateDigest;
import dev.custody.rules.Decision;
import dev.custody.scenario.ScenarioParser;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash audit after a recovery with a stuck entity skips only that entity's part of the open
 * decisions: a later decision of another device reads as open in the engine's journal (the stuck one
 * holds its mark back), passes while that device's journal holds it, and is a problem naming the device
 * once its row is gone.
 */
class JournalAuditStuckEntityTest {
    private static final String INSTANCE = "custody";
    private static final DeviceId STUCK = new DeviceId("0000:00:04.0");
    private static final DeviceId OTHER = new DeviceId("0000:00:03.0");
    private static final String STUCK_ID = INSTANCE + "|device|" + STUCK.name();
    private static final String OTHER_ID = INSTANCE + "|device|" + OTHER.name();
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path data;

    private static Topology topology() {
        return ScenarioParser.parse("three-groups", """
                        {"topology": {"iommus": [{"name": "dmar0"}], "devices": [
                          {"name": "0000:00:03.0", "iommu": "dmar0", "group": 1},
                          {"name": "0000:00:04.0", "iommu": "dmar0", "group": 2},
                          {"name": "0000:00:05.0", "iommu": "dmar0", "group": 3}]},
                         "steps": []}
                        """).topology();
    }

    @Test
    @Timeout(120)
    void onlyTheStuckEntitysPartOfTheOpenDecisionsIsSkipped() throws Exception {
        Config journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = start(runtime);
            for (DeviceId device : List.of(STUCK, OTHER)) {
                assertTrue(engine.execute(new Command.DriverBind(device, "vfio-pci"))
                        .toCompletableFuture()
                        .join()
                        .isOk());
            }
            engine.quiesce().toCompletableFuture().join();
            engine.stop().toCompletableFuture().join();
        }
        TornRows.tear(journal, STUCK_ID, TornRows.lastRow(journal, STUCK_ID));
        long otherRowsBefore = TornRows.lastRow(journal, OTHER_ID);

        // a decision for the stuck device, then one for the other: both answered, the first left open
        long otherSeq;
        Settled settled;
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = start(runtime);
            assertTrue(engine.decide(new Command.DriverUnbind(STUCK))
                    .toCompletableFuture()
                    .join()
                    .outcome()
                    .isOk());
            Decision other = engine.decide(new Command.DriverUnbind(OTHER))
                    .toCompletableFuture()
                    .join();
            assertTrue(other.outcome().isOk() && !other.events().isEmpty(), other.toString());
            settled = engine.settle().toCompletableFuture().join();
            engine.halt().toCompletableFuture().join();
        }
        assertEquals(1, settled.stuck().size(), settled.toString());
        assertEquals(STUCK_ID, settled.stuck().getFirst().persistenceId());
        List<String> stuckLines = List.of(settled.stuck().getFirst().describe());

        JournalHistory history = JournalReader.read(journal, INSTANCE);
        otherSeq = settled.lastSeq();
        assertTrue(
                history.openDecisions().contains(otherSeq),
                "the other device's decision reads as open in the engine's journal: " + history.openDecisions());
        WorkloadLine.Recovered recovered = new WorkloadLine.Recovered(
                0, settled.lastSeq(), StateDigest.of(Replay.fold(history, settled.lastSeq(), List.of())), 0);

        Audit written = JournalAudit.audit(journal, INSTANCE, List.of(), Optional.of(recovered), stuckLines);
        assertEquals(List.of(), written.problems(), "the stuck device's part is skipped, the other's written");

        // the other device's rows of that decision gone, as if it had never written it
        try (Connection connection = TornRows.connect(journal);
                PreparedStatement delete = connection.prepareStatement("delete from \"event_journal\""
                        + " where \"persistence_id\" = ? and \"sequence_number\" > ?")) {
            delete.setString(1, OTHER_ID);
            delete.setLong(2, otherRowsBefore);
            assertTrue(delete.executeUpdate() > 0, "the other device wrote its decision");
        }
        Audit lost = JournalAudit.audit(journal, INSTANCE, List.of(), Optional.of(recovered), stuckLines);
        assertEquals(1, lost.problems().size(), lost.problems().toString());
        String problem = lost.problems().getFirst();
        assertTrue(problem.startsWith("decision " + otherSeq + " was still open for " + OTHER_ID), problem);
        assertFalse(problem.contains("open for " + STUCK_ID), problem);
    }

    private static EngineAdmin start(CustodyRuntime runtime) {
        return EngineAdmin.start(runtime, INSTANCE, topology(), ASK_TIMEOUT)
                .toCompletableFuture()
                .join();
    }
}
