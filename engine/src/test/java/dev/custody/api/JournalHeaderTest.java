package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.custody.entity.JournalFormat;
import dev.custody.entity.KernelJournal;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Topology;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A journal begins with a Header naming its format and the Custody version that wrote it; an engine
 * refuses a journal whose Header names a newer format than it reads, and writes nothing to it.
 */
class JournalHeaderTest {
    private static final DeviceId A = new DeviceId("0000:00:03.0");

    private CustodyRuntime runtime;
    private PersistenceTestKit journal;

    @BeforeEach
    void start() {
        Config testJournal = PersistenceTestKitPlugin.config()
                .withFallback(PersistenceTestKitSnapshotPlugin.config())
                .withFallback(ConfigFactory.parseString("""
                        pekko.persistence.testkit.events.serialize = off
                        pekko.persistence.testkit.snapshots.serialize = off
                        """));
        runtime = CustodyRuntime.start(testJournal);
        journal = PersistenceTestKit.create(runtime.system());
    }

    @AfterEach
    void stop() {
        runtime.close();
    }

    @Test
    void aNewJournalBeginsWithItsFormatAndWriter() {
        EngineAdmin.start(runtime, "fresh", machine(), Duration.ofSeconds(10))
                .toCompletableFuture()
                .join();
        KernelJournal.Header header = journal.expectNextPersistedClass("fresh|kernel", KernelJournal.Header.class);
        assertEquals(JournalFormat.CURRENT, header.formatVersion());
        assertTrue(header.writtenBy().startsWith("Custody 0."), header.writtenBy());
        assertTrue(!header.writtenBy().contains("${"), "the build filled in its version: " + header.writtenBy());
        journal.expectNextPersistedClass("fresh|kernel", KernelJournal.Started.class);
    }

    @Test
    void aJournalOfANewerFormatIsRefusedAndNothingIsWrittenToIt() {
        KernelJournal.Header newer = new KernelJournal.Header(JournalFormat.CURRENT + 1, "Custody 9.0.0");
        journal.persistForRecovery("later|kernel", List.of(newer, new KernelJournal.Started(machine())));
        assertThrows(
                RuntimeException.class,
                () -> EngineAdmin.start(runtime, "later", machine(), Duration.ofSeconds(2))
                        .toCompletableFuture()
                        .join());
        assertEquals(List.of(newer, new KernelJournal.Started(machine())), journal.persistedInStorage("later|kernel"));
        IllegalStateException refusal =
                assertThrows(IllegalStateException.class, () -> JournalFormat.requireReadable(newer));
        assertTrue(
                refusal.getMessage().contains("format " + (JournalFormat.CURRENT + 1) + " by Custody 9.0.0")
                        && refusal.getMessage().contains("reads formats 0 to " + JournalFormat.CURRENT),
                refusal.getMessage());
    }

    private static Topology machine() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        devices.put(
                A,
                new DeviceSpec(
                        A,
                        Optional.of("dmar0"),
                        Optional.of(new GroupId(1)),
                        List.of(),
                        false,
                        true,
                        Optional.empty()));
        return new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
    }
}
