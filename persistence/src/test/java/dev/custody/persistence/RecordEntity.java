package dev.custody.persistence;

import dev.custody.entity.JournalRecord;
import java.util.Set;
import java.util.function.BiFunction;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A test-only entity that journals engine records the way the engine's actors will: events tagged with
 * {@link Journals#TIMELINE_TAG}, the state folded by the engine's own functions, a snapshot every 5
 * events (or none). A failed recovery is reported to {@code failures} with the message a user would see.
 */
final class RecordEntity<E extends JournalRecord, S extends JournalRecord>
        extends EventSourcedBehavior<RecordEntity.Command, E, S> {

    interface Command {}

    record Persist(JournalRecord event, ActorRef<Done> replyTo) implements Command {}

    record Get(ActorRef<Object> replyTo) implements Command {}

    private final S empty;
    private final BiFunction<S, E, S> fold;
    private final Class<E> eventType;
    private final ActorRef<String> failures;
    private final boolean snapshots;

    private RecordEntity(
            String persistenceId,
            S empty,
            Class<E> eventType,
            BiFunction<S, E, S> fold,
            ActorRef<String> failures,
            boolean snapshots) {
        super(PersistenceId.ofUniqueId(persistenceId));
        this.empty = empty;
        this.fold = fold;
        this.eventType = eventType;
        this.failures = failures;
        this.snapshots = snapshots;
    }

    static <E extends JournalRecord, S extends JournalRecord> Behavior<Command> create(
            String persistenceId, S empty, Class<E> eventType, BiFunction<S, E, S> fold, ActorRef<String> failures) {
        return new RecordEntity<>(persistenceId, empty, eventType, fold, failures, true);
    }

    /** As {@link #create}, without snapshots: whoever recovers the journal later folds every record. */
    static <E extends JournalRecord, S extends JournalRecord> Behavior<Command> withoutSnapshots(
            String persistenceId, S empty, Class<E> eventType, BiFunction<S, E, S> fold, ActorRef<String> failures) {
        return new RecordEntity<>(persistenceId, empty, eventType, fold, failures, false);
    }

    @Override
    public S emptyState() {
        return empty;
    }

    @Override
    public CommandHandler<Command, E, S> commandHandler() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(
                        Persist.class,
                        (state, command) -> Effect()
                                .persist(eventType.cast(command.event()))
                                .thenReply(command.replyTo(), after -> Done.getInstance()))
                .onCommand(Get.class, (state, command) -> Effect().none().thenReply(command.replyTo(), s -> s))
                .build();
    }

    @Override
    public EventHandler<S, E> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent(fold::apply);
    }

    @Override
    public Set<String> tagsFor(E event) {
        return Set.of(Journals.TIMELINE_TAG);
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return snapshots ? RetentionCriteria.snapshotEvery(5, 2) : RetentionCriteria.disabled();
    }

    @Override
    public SignalHandler<S> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(
                        RecoveryFailed.class,
                        (state, signal) -> failures.tell(signal.getFailure().getMessage()))
                .build();
    }
}
