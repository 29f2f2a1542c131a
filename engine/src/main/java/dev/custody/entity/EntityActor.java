package dev.custody.entity;

import dev.custody.model.event.KernelEvent;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One device, group, domain or file as an event-sourced actor: it persists the events of each
 * decision that concern it and answers for its own state. Re-delivery of a decision it already
 * applied (after a coordinator crash) is acknowledged without writing twice.
 */
public final class EntityActor extends EventSourcedBehaviorWithEnforcedReplies<EntityActor.Message, Stamped, EntityState> {

    public sealed interface Message {}

    /** Persist these events of decision {@code seq}, then acknowledge. */
    public record Apply(long seq, List<KernelEvent> events, ActorRef<Applied> replyTo) implements Message {}

    public record Applied(EntityId entity, long seq) {}

    public record Inspect(ActorRef<EntityState> replyTo) implements Message {}

    static final int SNAPSHOT_EVERY = 500;

    private final EntityId id;

    private final boolean snapshots;

    public static Behavior<Message> create(String instance, EntityId id, boolean snapshots) {
        return new EntityActor(instance, id, snapshots);
    }

    private EntityActor(String instance, EntityId id, boolean snapshots) {
        // a failed write restarts the entity, which recovers from its journal; the coordinator re-sends
        super(PersistenceId.ofUniqueId(id.persistenceId(instance)),
                SupervisorStrategy.restartWithBackoff(Duration.ofMillis(50), Duration.ofSeconds(2), 0.2));
        this.id = id;
        this.snapshots = snapshots;
    }

    @Override
    public EntityState emptyState() {
        return EntityState.initial(id);
    }

    @Override
    public CommandHandlerWithReply<Message, Stamped, EntityState> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(Apply.class, this::onApply)
                .onCommand(Inspect.class, (state, inspect) -> Effect().reply(inspect.replyTo(), state))
                .build();
    }

    private ReplyEffect<Stamped, EntityState> onApply(EntityState state, Apply apply) {
        Applied ack = new Applied(id, apply.seq());
        if (apply.seq() <= state.lastSeq()) {
            return Effect().reply(apply.replyTo(), ack); // already persisted before a crash: idempotent
        }
        List<Stamped> records = apply.events().stream().map(e -> new Stamped(apply.seq(), e)).toList();
        return Effect().persist(records).thenReply(apply.replyTo(), persisted -> ack);
    }

    @Override
    public EventHandler<EntityState, Stamped> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent(EntityState::apply);
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return snapshots ? RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2) : RetentionCriteria.disabled();
    }
}
