package dev.custody.api;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The actor system engines run on. One runtime can host several engine instances (each with its
 * own persistence ids), which is how tests and scenario runs avoid a cold start per engine.
 */
public final class CustodyRuntime implements AutoCloseable {
    private final ActorSystem<SpawnProtocol.Command> system;

    /**
     * The incarnation of each engine instance on this runtime, until its coordinator (and so every
     * entity actor under it) has terminated: one writer per persistence id, never two.
     */
    private final java.util.Map<String, Incarnation> incarnations = new java.util.HashMap<>();

    /** One engine instance's coordinator: terminated once it and all its entity actors are gone. */
    static final class Incarnation {
        final java.util.concurrent.CompletableFuture<Void> terminated = new java.util.concurrent.CompletableFuture<>();
        private volatile boolean stopping;

        void stopping() {
            stopping = true;
        }
    }

    private CustodyRuntime(ActorSystem<SpawnProtocol.Command> system) {
        this.system = system;
    }

    /**
     * Reserves {@code instance} for a new incarnation. While an earlier one is stopping, the new one
     * waits for it to terminate (its entities may still be writing); while one runs, it is refused.
     */
    synchronized CompletionStage<Incarnation> reserve(String instance) {
        Incarnation earlier = incarnations.get(instance);
        if (earlier != null && !earlier.terminated.isDone() && !earlier.stopping) {
            return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("engine " + instance
                    + " is already running on this runtime; stop or halt it before starting it again"));
        }
        Incarnation next = new Incarnation();
        incarnations.put(instance, next);
        next.terminated.whenComplete((done, failure) -> release(instance, next));
        CompletionStage<Void> gone = earlier == null
                ? java.util.concurrent.CompletableFuture.completedFuture(null)
                : earlier.terminated.exceptionally(failure -> null);
        return gone.thenApply(previousGone -> next);
    }

    private synchronized void release(String instance, Incarnation incarnation) {
        incarnations.remove(instance, incarnation);
    }

    /**
     * Starts a runtime on the given journal configuration ({@link #inMemoryJournal()}, or the
     * persistence module's H2/PostgreSQL configurations).
     */
    public static CustodyRuntime start(Config journal) {
        Config config = journal.withFallback(ConfigFactory.parseString("""
                pekko.loglevel = WARNING
                pekko.log-dead-letters = off
                pekko.log-dead-letters-during-shutdown = off
                pekko.actor.allow-java-serialization = off
                pekko.coordinated-shutdown.exit-jvm = off
                # the coordinator stashes while it writes; booting a host of thousands of groups
                # sends it a report from every entity at once, and a full stash drops them
                pekko.persistence.typed.stash-capacity = 262144
                # Pekko's replay filter guards against two writers of one persistence id; here there
                # is one (one incarnation per entity, LiveEntities; one coordinator per engine, and on
                # JDBC the key (persistence_id, sequence_number) refuses a second writer's row). It
                # costs an actor per recovery, and every entity opened starts with a recovery.
                pekko.persistence.journal-plugin-fallback.replay-filter.mode = off
                # the entity actors write off the answer path: on threads of their own, at most half
                # the cores, so the coordinator and its callers always keep one (KernelCoordinator)
                custody.entity-dispatcher {
                  type = Dispatcher
                  executor = "thread-pool-executor"
                  thread-pool-executor {
                    fixed-pool-size = off
                    core-pool-size-min = 1
                    core-pool-size-factor = 0.5
                    core-pool-size-max = 8
                  }
                  throughput = 100
                }
                """))
                .withFallback(ConfigFactory.load())
                .resolve(); // a journal may refer to the plugins' defaults
        return new CustodyRuntime(ActorSystem.create(SpawnProtocol.create(), "custody", config));
    }

    /** Pekko's in-memory journal: nothing survives the JVM; for tests and scenario runs. */
    public static Config inMemoryJournal() {
        return ConfigFactory.parseString("""
                pekko.persistence.journal.plugin = "pekko.persistence.journal.inmem"
                pekko.persistence.snapshot-store.plugin = ""
                """);
    }

    /**
     * Events between snapshots of an entity: {@code custody.snapshot-every} (default 500), or 0 when
     * the journal has no snapshot store (Pekko's plain in-memory journal).
     */
    int snapshotEvery() {
        var config = system.settings().config();
        if (config.getString("pekko.persistence.snapshot-store.plugin").isEmpty()) {
            return 0;
        }
        return config.hasPath("custody.snapshot-every")
                ? config.getInt("custody.snapshot-every")
                : DEFAULT_SNAPSHOT_EVERY;
    }

    static final int DEFAULT_SNAPSHOT_EVERY = 500;

    /**
     * How the coordinators on this runtime run: {@code custody.coordinator-snapshot-every} (default twenty
     * times the entities'), {@code custody.coordinator-journal} (a journal plugin whose writes are on
     * stable storage when they complete; default the journal's own), {@code custody.passivate-after},
     * {@code custody.max-live-entities}, {@code custody.stuck-probe-after} and {@code
     * custody.gather-entity-writes-for}.
     */
    dev.custody.entity.CoordinatorSettings coordinatorSettings() {
        var config = system.settings().config();
        var defaults = dev.custody.entity.CoordinatorSettings.of(snapshotEvery());
        int coordinatorEvery = snapshotEvery() == 0
                ? 0
                : config.hasPath("custody.coordinator-snapshot-every")
                        ? config.getInt("custody.coordinator-snapshot-every")
                        : defaults.coordinatorSnapshotEvery();
        return new dev.custody.entity.CoordinatorSettings(
                defaults.entitySnapshotEvery(),
                coordinatorEvery,
                config.hasPath("custody.coordinator-journal") ? config.getString("custody.coordinator-journal") : "",
                config.hasPath("custody.passivate-after")
                        ? config.getDuration("custody.passivate-after")
                        : defaults.passivateAfter(),
                config.hasPath("custody.max-live-entities")
                        ? config.getInt("custody.max-live-entities")
                        : defaults.maxLiveEntities(),
                config.hasPath("custody.stuck-probe-after")
                        ? config.getDuration("custody.stuck-probe-after")
                        : defaults.stuckProbeAfter(),
                config.hasPath("custody.gather-entity-writes-for")
                        ? config.getDuration("custody.gather-entity-writes-for")
                        : defaults.gatherFor());
    }

    <T> CompletionStage<ActorRef<T>> spawn(Behavior<T> behavior, String name, Duration timeout) {
        return AskPattern.ask(
                system,
                replyTo -> new SpawnProtocol.Spawn<>(behavior, name, Props.empty(), replyTo),
                timeout,
                system.scheduler());
    }

    /** Completes when the actor (and so all its children) has terminated. */
    CompletionStage<Void> terminated(ActorRef<?> actor, Duration timeout) {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        Behavior<Void> watcher = org.apache.pekko.actor.typed.javadsl.Behaviors.setup(context -> {
            context.watch(actor);
            return org.apache.pekko.actor.typed.javadsl.Behaviors.<Void>receive(Void.class)
                    .onSignal(org.apache.pekko.actor.typed.Terminated.class, signal -> {
                        done.complete(null);
                        return org.apache.pekko.actor.typed.javadsl.Behaviors.stopped();
                    })
                    .build();
        });
        return spawn(watcher, "watch-" + WATCHERS.incrementAndGet(), timeout).thenCompose(ref -> done);
    }

    private static final java.util.concurrent.atomic.AtomicLong WATCHERS = new java.util.concurrent.atomic.AtomicLong();

    ActorSystem<SpawnProtocol.Command> system() {
        return system;
    }

    /**
     * The actor system itself, for what runs beside the engines on it: Cluster Sharding, whose entities
     * start engines on this runtime ({@code dev.custody.cluster}, docs/cluster.md). Holding it gives no
     * way into an engine: engines are reached through the {@link EngineAdmin} their start returns.
     */
    public ActorSystem<?> actorSystem() {
        return system;
    }

    @Override
    public void close() {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().join();
    }
}
