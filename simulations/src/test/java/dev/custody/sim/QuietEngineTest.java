package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.custody.api.ActorEngine;
import dev.custody.invariants.Invariant;
import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Topology;
import dev.custody.persistence.Journals;
import dev.custody.persistence.SchemaCreator;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit step of simulate on an engine with a group whose journal has a torn row: a J4 violation
 * naming the group's persistence id and the row, within a bound, not an exception and not a hang;
 * and the engine closes (halted, as it cannot become quiet) without an error.
 */
class QuietEngineTest {
    private static final String INSTANCE = "quiet";
    private static final String GROUP = INSTANCE + "|group|1";
    private static final DeviceId A = new DeviceId("0000:00:03.0");
    private static final DeviceId B = new DeviceId("0000:00:03.1");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    Path data;

    @Test
    void aGroupThatCannotRecoverIsAViolationNamingIt() throws Exception {
        Config journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        try (ActorEngine engine = ActorEngine.onJournal(journal, INSTANCE, TIMEOUT)) {
            assertTrue(engine.boot(groupOfTwo()).outcome().isOk());
            engine.decide(new Command.DriverBind(A, "e1000e"), "bind");
            QuietEngine.Quiet quiet = QuietEngine.quiesce(engine.admin());
            assertEquals(Optional.empty(), quiet.stuck(), "a healthy engine becomes quiet");
        }
        long torn = tearLastRow(journal, GROUP);

        ActorEngine engine = ActorEngine.onJournal(journal, INSTANCE, TIMEOUT);
        try {
            assertTrue(engine.boot(groupOfTwo()).outcome().isOk(), "the engine's own journal is whole");
            assertTrue(
                    engine.decide(new Command.DriverUnbind(A), "unbind")
                            .outcome()
                            .isOk(),
                    "answers go on");
            QuietEngine.Quiet quiet = assertTimeoutPreemptively(
                    BOUND,
                    () -> QuietEngine.quiesce(engine.admin()),
                    "waited for the audit's quiesce to find the group that cannot recover");
            Violation stuck = quiet.stuck().orElseThrow(() -> new AssertionError("no violation: " + quiet));
            assertEquals(Invariant.J4, stuck.broken());
            assertEquals(List.of(GROUP), stuck.objects());
            assertTrue(stuck.message().contains(GROUP + " is stuck"), stuck.message());
            assertTrue(stuck.message().contains("sequence number " + torn), stuck.message());
        } finally {
            assertTimeoutPreemptively(BOUND, engine::close, "waited for the engine with a stuck group to close");
        }
    }

    /** The payload of the entity's last row cut in half; its sequence number. */
    private static long tearLastRow(Config journal, String persistenceId) throws Exception {
        try (Connection connection = DriverManager.getConnection(
                        journal.getString("pekko-persistence-jdbc.shared-databases.slick.db.url"), "sa", "");
                PreparedStatement read = connection.prepareStatement("select \"sequence_number\", \"event_payload\""
                        + " from \"event_journal\" where \"persistence_id\" = ? order by \"sequence_number\" desc");
                PreparedStatement write =
                        connection.prepareStatement("update \"event_journal\" set \"event_payload\" = ?"
                                + " where \"persistence_id\" = ? and \"sequence_number\" = ?")) {
            read.setString(1, persistenceId);
            long last;
            byte[] payload;
            try (ResultSet row = read.executeQuery()) {
                assertTrue(row.next(), persistenceId + " has rows");
                last = row.getLong(1);
                payload = row.getBytes(2);
            }
            write.setBytes(1, Arrays.copyOf(payload, payload.length / 2));
            write.setString(2, persistenceId);
            write.setLong(3, last);
            assertEquals(1, write.executeUpdate());
            return last;
        }
    }

    private static Topology groupOfTwo() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        for (DeviceId id : List.of(A, B)) {
            devices.put(
                    id,
                    new DeviceSpec(
                            id,
                            Optional.of("dmar0"),
                            Optional.of(new GroupId(1)),
                            List.of(),
                            false,
                            true,
                            Optional.empty()));
        }
        return new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
    }
}
