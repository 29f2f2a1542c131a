package dev.custody.entity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The entity actors one coordinator runs: started on first use, stopped (passivated) when idle, and
 * started again on demand, recovering from their journals. One incarnation per entity at a time, so
 * one writer per persistence id: messages for an entity that is stopping wait here until it has
 * terminated, then go to its next incarnation.
 *
 * <p>Plain bookkeeping around the actor references: the coordinator spawns and watches the actors
 * (through {@code spawn}) and tells this class when one has terminated.
 */
final class LiveEntities {

    private static final class Live {
        final ActorRef<EntityActor.Message> ref;
        boolean stopping;
        final List<EntityActor.Message> waiting = new ArrayList<>();
        long lastUsedNanos;

        Live(ActorRef<EntityActor.Message> ref, long now) {
            this.ref = ref;
            this.lastUsedNanos = now;
        }
    }

    private final Function<EntityId, ActorRef<EntityActor.Message>> spawn;
    private final Map<EntityId, Live> live = new HashMap<>();

    /** {@code spawn} starts an entity's actor and has the coordinator watch it. */
    LiveEntities(Function<EntityId, ActorRef<EntityActor.Message>> spawn) {
        this.spawn = spawn;
    }

    /** Sends to the entity's actor, starting it if it is not running; held back while it stops. */
    void tell(EntityId entity, EntityActor.Message message, long nowNanos) {
        Live actor = live.computeIfAbsent(entity, e -> new Live(spawn.apply(e), nowNanos));
        actor.lastUsedNanos = nowNanos;
        if (actor.stopping) {
            actor.waiting.add(message);
        } else {
            actor.ref.tell(message);
        }
    }

    /** The entity's actor has terminated: the messages held back go to a new incarnation. */
    void terminated(EntityId entity, long nowNanos) {
        Live gone = live.remove(entity);
        if (gone != null && !gone.waiting.isEmpty()) {
            gone.waiting.forEach(message -> tell(entity, message, nowNanos));
        }
    }

    /**
     * Stops the actors unused for {@code idleNanos}, and, while more than {@code max} run, the least
     * recently used of those unused for {@code minIdleNanos}; only those {@code stoppable} says have
     * nothing in flight. Returns the entities being stopped.
     */
    List<EntityId> passivate(long nowNanos, long idleNanos, int max, long minIdleNanos, Predicate<EntityId> stoppable) {
        List<EntityId> stopping = new ArrayList<>();
        List<Map.Entry<EntityId, Live>> candidates = new ArrayList<>();
        int running = 0;
        for (Map.Entry<EntityId, Live> entry : live.entrySet()) {
            Live actor = entry.getValue();
            if (actor.stopping) {
                continue;
            }
            running++;
            if (nowNanos - actor.lastUsedNanos >= idleNanos && stoppable.test(entry.getKey())) {
                stop(entry.getKey(), actor);
                stopping.add(entry.getKey());
                running--;
            } else if (nowNanos - actor.lastUsedNanos >= minIdleNanos) {
                candidates.add(entry);
            }
        }
        if (running > max) {
            candidates.sort(Comparator.comparingLong(e -> e.getValue().lastUsedNanos));
            int target = max - max / 10; // some headroom, so the next tick does not stop one at a time
            for (Map.Entry<EntityId, Live> entry : candidates) {
                if (running <= target) {
                    break;
                }
                if (stoppable.test(entry.getKey())) {
                    stop(entry.getKey(), entry.getValue());
                    stopping.add(entry.getKey());
                    running--;
                }
            }
        }
        return stopping;
    }

    /**
     * Stops the entity's actor as passivation does (it reads a Passivate after what it was sent before),
     * whatever it was last used; returns whether it was running and is stopping now.
     */
    boolean passivateNow(EntityId entity) {
        Live actor = live.get(entity);
        if (actor == null || actor.stopping) {
            return false;
        }
        stop(entity, actor);
        return true;
    }

    /**
     * Stops the entity's actor at once, whatever it is doing (a stuck one recovers in a loop and would
     * never read a Passivate): marks it as stopping and returns it for the coordinator to stop; empty
     * when it does not run or is stopping already.
     */
    java.util.Optional<ActorRef<EntityActor.Message>> stopNow(EntityId entity) {
        Live actor = live.get(entity);
        if (actor == null || actor.stopping) {
            return java.util.Optional.empty();
        }
        actor.stopping = true;
        return java.util.Optional.of(actor.ref);
    }

    /** Actors running or stopping. */
    int count() {
        return live.size();
    }

    private static void stop(EntityId entity, Live actor) {
        actor.stopping = true;
        actor.ref.tell(EntityActor.Passivate.NOW);
    }
}
