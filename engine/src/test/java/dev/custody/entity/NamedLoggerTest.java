package dev.custody.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The entity's logger is named before Pekko would walk the stack for one. A Pekko whose context no
 * longer takes it fails here rather than quietly bringing the walk back to every entity start.
 */
class NamedLoggerTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void anActorsLoggerIsNamedAfterItsOwnerAndOnlyOnce() {
        TestProbe<String> seen = KIT.createTestProbe();
        KIT.spawn(Behaviors.setup(context -> {
            boolean first = NamedLogger.set(context, EntityActor.class);
            boolean second = NamedLogger.set(context, KernelCoordinator.class); // a logger is there now
            seen.ref().tell(first + " " + second + " " + context.getLog().getName());
            return Behaviors.empty();
        }));
        assertEquals(
                "true false " + EntityActor.class.getName(),
                seen.receiveMessage(Duration.ofSeconds(10))); // the actor's report of its logger
    }
}
