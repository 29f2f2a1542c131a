package dev.custody.persistence;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Starts an entity as its child and reports the exception the child stopped with: for a failed
 * recovery that is Pekko's JournalFailureException, whose message is what a user finds in the log.
 */
final class FailureWatcher {
    private FailureWatcher() {}

    static Behavior<Void> watching(Behavior<?> child, ActorRef<String> failures) {
        return Behaviors.setup(context -> {
            context.watch(context.spawn(child, "entity"));
            return Behaviors.<Void>receive(Void.class)
                    .onSignal(ChildFailed.class, signal -> {
                        failures.tell(signal.getCause().getMessage());
                        return Behaviors.stopped();
                    })
                    .build();
        });
    }
}
