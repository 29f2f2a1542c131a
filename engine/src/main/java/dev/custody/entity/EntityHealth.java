package dev.custody.entity;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which entities fail to recover from their journals, as plain bookkeeping: no actors, the time given
 * by the coordinator. An entity whose recovery fails is restarted with backoff by its supervisor; after
 * {@link #FAILED_RECOVERIES_BEFORE_STUCK} failures in a row it is stuck, a state the coordinator makes
 * visible and bounded: it stops the actor and sends the entity nothing, except one probe (a new
 * recovery, which reads and never writes) after {@link #FIRST_PROBE_AFTER} (custody.stuck-probe-after),
 * then after waits that double up to {@link #LONGEST_PROBE_WAIT}. A recovery that succeeds ends it all.
 */
final class EntityHealth {

    /**
     * Failed recoveries in a row after which an entity is stuck. Its supervisor's backoff (50 ms, 100 ms,
     * 200 ms, ...) makes that well under a second for a record that cannot be read; a journal that does
     * not answer fails each recovery after the journal's own timeout.
     */
    static final int FAILED_RECOVERIES_BEFORE_STUCK = 3;

    /** How long a stuck entity is left alone, by default, before it is sent its decisions again, once. */
    public static final Duration FIRST_PROBE_AFTER = Duration.ofSeconds(30);

    /** The longest wait between two probes of an entity that stays stuck. */
    static final Duration LONGEST_PROBE_WAIT = Duration.ofMinutes(10);

    /** What a failed recovery means for its entity. */
    enum Verdict {
        /** Not yet stuck: its supervisor restarts it. */
        RETRYING,
        /** Stuck from now on: to be stopped and reported. */
        STUCK_NOW,
        /** Was stuck already (a probe, or a read that started it again): to be stopped again. */
        STILL_STUCK
    }

    private static final class Failing {
        int failures;
        String reason = "";
        Instant since = Instant.MIN;
        boolean stuck;
        Instant nextProbe = Instant.MAX;
        Duration probeWait;

        Failing(Duration firstProbe) {
            probeWait = firstProbe;
        }
    }

    private final String instance;
    private final Duration firstProbe;
    private final Map<EntityId, Failing> failing = new HashMap<>();
    private int stuckCount;

    /** {@code firstProbe}: how long a stuck entity is left alone before its first probe. */
    EntityHealth(String instance, Duration firstProbe) {
        this.instance = instance;
        this.firstProbe = firstProbe;
    }

    /** The entity's recovery failed for {@code reason}. */
    Verdict recoveryFailed(EntityId entity, String reason, Instant now) {
        Failing state = failing.computeIfAbsent(entity, e -> new Failing(firstProbe));
        state.failures++;
        state.reason = reason;
        if (state.stuck) {
            return Verdict.STILL_STUCK;
        }
        if (state.failures < FAILED_RECOVERIES_BEFORE_STUCK) {
            return Verdict.RETRYING;
        }
        state.stuck = true;
        state.since = now;
        state.nextProbe = now.plus(state.probeWait);
        stuckCount++;
        return Verdict.STUCK_NOW;
    }

    /** The entity recovered after failures: true when it was stuck. */
    boolean recovered(EntityId entity) {
        Failing state = failing.remove(entity);
        if (state != null && state.stuck) {
            stuckCount--;
            return true;
        }
        return false;
    }

    /**
     * Whether decisions may be sent to the entity now: always when it is not stuck; when it is, only
     * once its probe is due, and then the next probe waits twice as long (up to {@link #LONGEST_PROBE_WAIT}).
     */
    boolean admits(EntityId entity, Instant now) {
        if (stuckCount == 0) {
            return true; // the common case, without a lookup
        }
        Failing state = failing.get(entity);
        if (state == null || !state.stuck) {
            return true;
        }
        if (now.isBefore(state.nextProbe)) {
            return false;
        }
        Duration doubled = state.probeWait.multipliedBy(2);
        state.probeWait = doubled.compareTo(LONGEST_PROBE_WAIT) > 0 ? LONGEST_PROBE_WAIT : doubled;
        state.nextProbe = now.plus(state.probeWait);
        return true;
    }

    /** Whether the entity's last recoveries failed (stuck or not): a new incarnation reports its success. */
    boolean failing(EntityId entity) {
        return !failing.isEmpty() && failing.containsKey(entity);
    }

    boolean isStuck(EntityId entity) {
        Failing state = stuckCount == 0 ? null : failing.get(entity);
        return state != null && state.stuck;
    }

    boolean anyStuck() {
        return stuckCount > 0;
    }

    /** Why the engine cannot become quiet while entities are stuck: each one with its journal's refusal. */
    String whyNotQuiet() {
        return "engine " + instance + " cannot become quiet: " + described()
                + ". Its decisions stay open in the engine's journal; repair or restore that journal and"
                + " restart the engine";
    }

    /** Why a command is refused while {@code held} decisions wait, some of them for stuck entities. */
    String whyHeld(int held) {
        return "engine " + instance + " takes no command while " + held
                + " decisions wait for entities that cannot recover from their journals: " + described();
    }

    private String described() {
        return String.join("; ", stuck().stream().map(StuckEntity::describe).toList());
    }

    /** The stuck entities, in entity order. */
    List<StuckEntity> stuck() {
        return failing.entrySet().stream()
                .filter(entry -> entry.getValue().stuck)
                .sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
                .map(entry -> describe(entry.getKey(), entry.getValue()))
                .toList();
    }

    /** The entity as it is reported, stuck or not. */
    StuckEntity describe(EntityId entity) {
        return describe(entity, failing.getOrDefault(entity, new Failing(firstProbe)));
    }

    private StuckEntity describe(EntityId entity, Failing state) {
        return new StuckEntity(instance, entity.persistenceId(instance), state.reason, state.failures, state.since);
    }
}
