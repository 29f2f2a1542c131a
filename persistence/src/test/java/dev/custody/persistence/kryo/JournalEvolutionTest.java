package dev.custody.persistence.kryo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandRecord;
import dev.custody.entity.JournalFormat;
import dev.custody.entity.KernelJournal;
import dev.custody.entity.Stamped;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Topology;
import dev.custody.model.event.DeviceEvent;
import dev.custody.model.event.KernelEvent;
import dev.custody.persistence.Journals;
import dev.custody.persistence.SchemaCreator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journaled record may gain or lose a field and every journal stays readable. The journal here is
 * written by today's engine on H2; the "later build" is a test Kryo table in which test-only variants of
 * the real classes are registered under the same ids, with the field table completed for them the way
 * {@link FieldTableWriter} completes it (a new field is defaulted, a field gone is retired). Both ways
 * are tried: the later build reads today's rows, rows of format 0 (the golden files written before
 * versioning) and its own; today's build reads the later build's rows too, skipping the field it does
 * not know (documented in decisions.md, "Journal compatibility").
 */
class JournalEvolutionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final DeviceId NIC = new DeviceId("0000:00:03.0");
    private static final DeviceId GPU = new DeviceId("0000:00:04.0");

    /** Stamped (id 13) with a field added: a default of its type (empty). */
    record StampedWithCause(long seq, KernelEvent event, Optional<String> cause) {}

    /** DecisionTaken (id 11, an older journal's decision) with a field added whose default the class declares. */
    record DecisionTakenWithOrigin(long seq, String operationId, List<KernelEvent> events, String origin) {
        static String defaultOrigin() {
            return "before origins were journaled";
        }
    }

    /** Decided (id 127) with a field added whose default the class declares. */
    record DecidedWithOrigin(
            long seq, CommandRecord command, AnswerRecord answer, List<KernelEvent> events, String origin) {
        static String defaultOrigin() {
            return "before origins were journaled";
        }
    }

    /** Stamped (id 13) with a field removed. */
    record StampedWithoutSeq(KernelEvent event) {}

    /** DriverBound (id 22) with a field added, read as a value of its own. */
    record DriverBoundWithReason(DeviceId device, String driver, Optional<String> reason) {}

    @TempDir
    Path data;

    private List<Row> journal;

    record Row(String persistenceId, long sequenceNr, int id, int format, byte[] payload) {}

    @BeforeEach
    void writeAJournalWithTodaysEngine() throws Exception {
        Config config = Journals.h2(data);
        SchemaCreator.createIfMissing(config);
        try (CustodyRuntime runtime = CustodyRuntime.start(config)) {
            EngineAdmin engine = EngineAdmin.start(runtime, "evolve", machine(), TIMEOUT)
                    .toCompletableFuture()
                    .join();
            engine.execute(new Command.DriverUnbind(NIC)).toCompletableFuture().join();
            engine.execute(new Command.DriverBind(NIC, "vfio-pci"))
                    .toCompletableFuture()
                    .join();
            engine.execute(new Command.DriverBind(GPU, "vfio-pci"))
                    .toCompletableFuture()
                    .join();
            engine.quiesce().toCompletableFuture().join();
            engine.stop().toCompletableFuture().join();
        }
        journal = rows(config);
    }

    @Test
    void aLaterBuildWhoseRecordsGainedFieldsReadsTodaysJournalWithTheirDefaults() {
        Map<Integer, Class<?>> later = variant(Map.of(13, StampedWithCause.class, 127, DecidedWithOrigin.class));
        JournalCodec laterCodec = JournalCodec.of(later, FieldTable.standard().completedFor(later));
        JournalCodec today = JournalCodec.standard();
        int stamped = 0;
        int decisions = 0;
        for (Row row : journal) {
            Object now = today.read(row.payload(), today.classOf(row.id()).orElseThrow(), row.format());
            Object then = laterCodec.read(row.payload(), later.get(row.id()), row.format());
            switch (now) {
                case Stamped s -> {
                    assertEquals(new StampedWithCause(s.seq(), s.event(), Optional.empty()), then, row.toString());
                    stamped++;
                }
                case KernelJournal.Decided d -> {
                    assertEquals(
                            new DecidedWithOrigin(
                                    d.seq(), d.command(), d.answer(), d.events(), "before origins were journaled"),
                            then);
                    decisions++;
                }
                default -> assertEquals(now, then);
            }
        }
        assertTrue(stamped > 3 && decisions >= 3, stamped + " entity events, " + decisions + " decisions");
    }

    @Test
    void aLaterBuildWhoseRecordLostAFieldReadsTodaysJournal() {
        Map<Integer, Class<?>> later = variant(Map.of(13, StampedWithoutSeq.class));
        FieldTable fields = FieldTable.standard().completedFor(later);
        assertTrue(fields.linesOf(13, StampedWithoutSeq.class).getFirst().retired(), "seq is retired, not deleted");
        JournalCodec laterCodec = JournalCodec.of(later, fields);
        JournalCodec today = JournalCodec.standard();
        for (Row row : journal) {
            if (row.id() == 13) {
                Stamped now = (Stamped) today.read(row.payload(), Stamped.class, row.format());
                assertEquals(
                        new StampedWithoutSeq(now.event()),
                        laterCodec.read(row.payload(), StampedWithoutSeq.class, row.format()));
            }
        }
    }

    @Test
    void theLaterBuildReadsRecordsOfFormatZeroToo() {
        Map<Integer, Class<?>> later = variant(
                Map.of(13, StampedWithCause.class, 11, DecisionTakenWithOrigin.class, 127, DecidedWithOrigin.class));
        JournalCodec laterCodec = JournalCodec.of(later, FieldTable.standard().completedFor(later));
        StampedWithCause stamped =
                (StampedWithCause) laterCodec.read(golden("13-Stamped.bin"), StampedWithCause.class, 0);
        assertEquals(Optional.empty(), stamped.cause());
        assertEquals(new DeviceEvent.DriverBound(new DeviceId("0000:01:00.0"), "vfio-pci"), stamped.event());
        DecisionTakenWithOrigin decision = (DecisionTakenWithOrigin)
                laterCodec.read(golden("11-KernelJournal.DecisionTaken.bin"), DecisionTakenWithOrigin.class, 0);
        assertEquals("op-0000012", decision.operationId());
        assertEquals("before origins were journaled", decision.origin());

        Map<Integer, Class<?>> event = variant(Map.of(22, DriverBoundWithReason.class));
        JournalCodec eventCodec = JournalCodec.of(event, FieldTable.standard().completedFor(event));
        DriverBoundWithReason expected =
                new DriverBoundWithReason(new DeviceId("0000:01:00.0"), "vfio-pci", Optional.empty());
        assertEquals(
                expected, eventCodec.read(golden("22-KernelEvent.DriverBound.bin"), DriverBoundWithReason.class, 0));
        assertEquals(
                expected,
                eventCodec.read(
                        golden("v1/22-DeviceEvent.DriverBound.bin"),
                        DriverBoundWithReason.class,
                        JournalFormat.CURRENT));
    }

    @Test
    void todaysBuildReadsTheLaterBuildsRecordsSkippingWhatItDoesNotKnow() {
        Map<Integer, Class<?>> later = variant(
                Map.of(13, StampedWithCause.class, 11, DecisionTakenWithOrigin.class, 127, DecidedWithOrigin.class));
        JournalCodec laterCodec = JournalCodec.of(later, FieldTable.standard().completedFor(later));
        JournalCodec today = JournalCodec.standard();
        KernelEvent bound = new DeviceEvent.DriverBound(NIC, "vfio-pci");
        byte[] stamped = laterCodec.write(new StampedWithCause(9, bound, Optional.of("a probe raced the claim")));
        assertEquals(new Stamped(9, bound), today.read(stamped, Stamped.class, JournalFormat.CURRENT));
        byte[] decision = laterCodec.write(new DecisionTakenWithOrigin(4, "op-4", List.of(bound), "control plane"));
        assertEquals(
                new KernelJournal.DecisionTaken(4, "op-4", List.of(bound)),
                today.read(decision, KernelJournal.DecisionTaken.class, JournalFormat.CURRENT));
        // and the later build reads its own field back
        assertEquals(
                Optional.of("a probe raced the claim"),
                ((StampedWithCause) laterCodec.read(stamped, StampedWithCause.class, JournalFormat.CURRENT)).cause());
    }

    @Test
    void aFieldThatChangedItsTypeInPlaceIsRefusedWhenTheKryoIsBuilt() {
        record StampedWithIntSeq(int seq, KernelEvent event) {}
        Map<Integer, Class<?>> later = variant(Map.of(13, StampedWithIntSeq.class));
        IllegalStateException refused = assertThrows(
                IllegalStateException.class,
                () -> JournalCodec.of(later, FieldTable.standard().completedFor(later)));
        assertTrue(refused.getMessage().contains("never changes type"), refused.getMessage());
    }

    @Test
    void aDefaultedFieldWithNoDefaultIsRefusedWhenTheKryoIsBuilt() {
        record StampedWithNote(long seq, KernelEvent event, String note) {}
        Map<Integer, Class<?>> later = variant(Map.of(13, StampedWithNote.class));
        IllegalStateException refused = assertThrows(
                IllegalStateException.class,
                () -> JournalCodec.of(later, FieldTable.standard().completedFor(later)));
        assertTrue(refused.getMessage().contains("declare static defaultNote()"), refused.getMessage());
    }

    /** The journal's table with some ids given to test variants. */
    private static Map<Integer, Class<?>> variant(Map<Integer, Class<?>> replaced) {
        Map<Integer, Class<?>> table = new LinkedHashMap<>(Registrations.byId());
        table.putAll(replaced);
        return table;
    }

    private static List<Row> rows(Config config) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(
                        config.getString("pekko-persistence-jdbc.shared-databases.slick.db.url"), "sa", "");
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("select \"persistence_id\", \"sequence_number\","
                        + " \"event_ser_manifest\", \"event_payload\" from \"event_journal\" order by \"ordering\"")) {
            while (result.next()) {
                String manifest = result.getString(3);
                int at = manifest.indexOf("@v");
                rows.add(new Row(
                        result.getString(1),
                        result.getLong(2),
                        Integer.parseInt(manifest.substring(0, at)),
                        Integer.parseInt(manifest.substring(at + 2)),
                        result.getBytes(4)));
            }
        }
        return rows;
    }

    private static byte[] golden(String file) {
        try (InputStream in = JournalEvolutionTest.class.getClassLoader().getResourceAsStream("golden/" + file)) {
            if (in == null) {
                throw new IllegalStateException("golden/" + file + " is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One IOMMU, a NIC on e1000e and a GPU with no driver, each its own group. */
    private static Topology machine() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        devices.put(
                NIC,
                new DeviceSpec(
                        NIC,
                        Optional.of("dmar0"),
                        Optional.of(new GroupId(1)),
                        List.of("e1000e"),
                        false,
                        true,
                        Optional.of("e1000e")));
        devices.put(
                GPU,
                new DeviceSpec(
                        GPU,
                        Optional.of("dmar0"),
                        Optional.of(new GroupId(2)),
                        List.of(),
                        false,
                        true,
                        Optional.empty()));
        return new Topology(iommus, Topology.catalogueWith(List.of()), devices);
    }
}
