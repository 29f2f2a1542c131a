package dev.custody.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.model.DeviceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * One incarnation per entity: a stopping actor gets nothing more, what comes for it meanwhile waits
 * and goes to the next incarnation, which is started only once the stopping one has terminated.
 */
class LiveEntitiesTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final EntityId NIC = EntityId.of(new DeviceId("0000:00:03.0"));
    private static final Duration QUIET = Duration.ofMillis(200);

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private final List<TestProbe<EntityActor.Message>> incarnations = new ArrayList<>();
    private final LiveEntities entities = new LiveEntities(entity -> {
        TestProbe<EntityActor.Message> probe = KIT.createTestProbe();
        incarnations.add(probe);
        return probe.ref();
    });

    private static EntityActor.Message inspect() {
        return new EntityActor.Inspect(KIT.<EntityState>createTestProbe().ref());
    }

    @Test
    void whatComesWhileAnActorStopsWaitsForItsNextIncarnation() {
        EntityActor.Message first = inspect();
        entities.tell(NIC, first, 0);
        incarnations.getFirst().expectMessage(first);

        assertEquals(List.of(NIC), entities.passivate(1_000, 1_000, 10, 0, e -> true));
        incarnations.getFirst().expectMessage(EntityActor.Passivate.NOW);
        EntityActor.Message meanwhile = inspect();
        entities.tell(NIC, meanwhile, 1_001);
        incarnations.getFirst().expectNoMessage(QUIET);
        assertEquals(1, incarnations.size(), "no second incarnation while the first stops");

        entities.terminated(NIC, 1_002);
        assertEquals(2, incarnations.size());
        incarnations.get(1).expectMessage(meanwhile);
    }

    @Test
    void anActorWithSomethingInFlightOrUsedLatelyKeepsRunning() {
        entities.tell(NIC, inspect(), 0);
        assertEquals(List.of(), entities.passivate(500, 1_000, 10, 0, e -> true), "used 500 ns ago");
        assertEquals(List.of(), entities.passivate(2_000, 1_000, 10, 0, e -> false), "something in flight");
        assertEquals(1, entities.count());
    }

    @Test
    void pastTheCapTheLeastRecentlyUsedStop() {
        List<EntityId> devices = new ArrayList<>();
        for (int n = 0; n < 20; n++) {
            EntityId device = EntityId.of(new DeviceId(String.format("0000:00:%02x.0", n)));
            devices.add(device);
            entities.tell(device, inspect(), n);
        }
        List<EntityId> stopped = entities.passivate(100, 1_000, 10, 5, e -> true);
        assertEquals(devices.subList(0, 11), stopped, "down to 9 (the cap less a tenth), oldest first");
    }
}
