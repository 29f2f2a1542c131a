package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import dev.custody.entity.EntityId;
import dev.custody.entity.EntityState;
import dev.custody.entity.Stamped;
import dev.custody.model.event.DeviceEvent;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The in-memory journal and snapshot store: an entity restarted in the same ActorSystem recovers. */
class InMemoryJournalTest {
    private static final ActorTestKit KIT =
            ActorTestKit.create("inmem", Journals.inMemory().withFallback(ConfigFactory.load()));

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void anEntityRecoversFromSnapshotAndEvents() {
        EntityState expected = EntityState.initial(EntityId.of(GoldenSamples.NIC));
        TestProbe<String> failures = KIT.createTestProbe();
        TestProbe<Done> done = KIT.createTestProbe();
        ActorRef<RecordEntity.Command> first = KIT.spawn(
                RecordEntity.create("inmem|device", expected, Stamped.class, EntityState::apply, failures.ref()));
        for (int seq = 1; seq <= 7; seq++) {
            Stamped record = new Stamped(
                    seq,
                    seq % 2 == 1
                            ? new DeviceEvent.DeviceAdded(GoldenSamples.NIC)
                            : new DeviceEvent.DriverOverrideSet(GoldenSamples.NIC, Optional.of("vfio-pci-" + seq)));
            first.tell(new RecordEntity.Persist(record, done.ref()));
            done.expectMessage(Duration.ofSeconds(5), Done.getInstance());
            expected = expected.apply(record);
        }
        KIT.stop(first);
        ActorRef<RecordEntity.Command> second = KIT.spawn(RecordEntity.create(
                "inmem|device",
                EntityState.initial(EntityId.of(GoldenSamples.NIC)),
                Stamped.class,
                EntityState::apply,
                failures.ref()));
        TestProbe<Object> state = KIT.createTestProbe();
        second.tell(new RecordEntity.Get(state.ref()));
        assertEquals(expected, state.receiveMessage(Duration.ofSeconds(5)));
    }
}
