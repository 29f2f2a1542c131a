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

    private CustodyRuntime(ActorSystem<SpawnProtocol.Command> system) {
        this.system = system;
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
                """)).withFallback(ConfigFactory.load());
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
     * Events between snapshots: {@code custody.snapshot-every} (default 500), or 0 when the journal
     * has no snapshot store (Pekko's plain in-memory journal).
     */
    int snapshotEvery() {
        var config = system.settings().config();
        if (config.getString("pekko.persistence.snapshot-store.plugin").isEmpty()) {
            return 0;
        }
        return config.hasPath("custody.snapshot-every") ? config.getInt("custody.snapshot-every") : DEFAULT_SNAPSHOT_EVERY;
    }

    static final int DEFAULT_SNAPSHOT_EVERY = 500;

    <T> CompletionStage<ActorRef<T>> spawn(Behavior<T> behavior, String name, Duration timeout) {
        return AskPattern.ask(system, replyTo -> new SpawnProtocol.Spawn<>(behavior, name, Props.empty(), replyTo),
                timeout, system.scheduler());
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

    @Override
    public void close() {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().join();
    }
}
