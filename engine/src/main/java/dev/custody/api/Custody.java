package dev.custody.api;

import dev.custody.entity.KernelCoordinator;
import dev.custody.model.Command;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * One engine: the source of truth for who may DMA where on one machine. Every operation goes
 * through the kernel's rules, is journaled before it is answered, and comes back as the kernel's
 * {@link Outcome}. Start it on a {@link CustodyRuntime}; an engine whose journal already exists
 * recovers its state instead of booting.
 */
public final class Custody {
    private final CustodyRuntime runtime;
    private final ActorRef<KernelCoordinator.Message> coordinator;
    private final String instance;
    private final Duration timeout;
    private final AtomicLong operations = new AtomicLong();

    /** Actor names must be unique while a stopped engine's actor may still be terminating. */
    private static final AtomicLong GENERATION = new AtomicLong();

    private Custody(CustodyRuntime runtime, ActorRef<KernelCoordinator.Message> coordinator, String instance,
                    Duration timeout) {
        this.runtime = runtime;
        this.coordinator = coordinator;
        this.instance = instance;
        this.timeout = timeout;
    }

    /**
     * Starts (or recovers) engine {@code instance} for the topology. Fails when the instance's
     * journal belongs to another topology, or when a boot driver cannot bind.
     */
    public static CompletionStage<Custody> start(CustodyRuntime runtime, String instance, Topology topology,
                                                 Duration timeout) {
        return runtime.spawn(KernelCoordinator.create(instance, runtime.hasSnapshotStore()),
                        "engine-" + instance + "-" + GENERATION.incrementAndGet(), timeout)
                .thenCompose(coordinator -> AskPattern.<KernelCoordinator.Message, Decision>ask(coordinator,
                                replyTo -> new KernelCoordinator.Start(topology, replyTo), timeout,
                                runtime.system().scheduler())
                        .thenApply(started -> {
                            if (!started.outcome().isOk()) {
                                throw new IllegalStateException("engine " + instance + " did not start: "
                                        + started.outcome().explanation().orElse(started.outcome().resultName()));
                            }
                            return new Custody(runtime, coordinator, instance, timeout);
                        }));
    }

    /** Decides and journals one operation; the answer comes after every event it reports is persisted. */
    public CompletionStage<Decision> decide(Command command) {
        String operationId = instance + "-" + operations.incrementAndGet();
        return AskPattern.ask(coordinator, replyTo -> new KernelCoordinator.Execute(command, operationId, replyTo),
                timeout, runtime.system().scheduler());
    }

    public CompletionStage<Outcome<Reply>> execute(Command command) {
        return decide(command).thenApply(Decision::outcome);
    }

    /** The engine's current state (as the rules see it; every entity holds its slice of it). */
    public CompletionStage<KernelState> state() {
        return AskPattern.<KernelCoordinator.Message, Optional<KernelState>>ask(coordinator,
                        KernelCoordinator.GetKernel::new, timeout, runtime.system().scheduler())
                .thenApply(Optional::orElseThrow);
    }

    /** Completes when no decision is waiting for its entities any more, with the last decision's number. */
    public CompletionStage<Long> quiesce() {
        return AskPattern.ask(coordinator, KernelCoordinator.AwaitQuiet::new, timeout, runtime.system().scheduler());
    }

    /** One entity's own journaled state, recovered from its journal if its actor is not running. */
    public CompletionStage<dev.custody.entity.EntityState> inspect(dev.custody.entity.EntityId entity) {
        return AskPattern.ask(coordinator, replyTo -> new KernelCoordinator.InspectEntity(entity, replyTo),
                timeout, runtime.system().scheduler());
    }

    /**
     * Waits for in-flight decisions, then stops the engine's actors and completes once they are gone;
     * the journal keeps everything, and a new {@link #start} of the instance recovers it.
     */
    public CompletionStage<Long> stop() {
        return quiesce().thenCompose(quiet -> halt());
    }

    /**
     * Stops the actors at once, as a crash would: decisions whose entity writes are not confirmed
     * stay open in the journal and are completed by the next start.
     */
    public CompletionStage<Long> halt() {
        CompletionStage<Void> gone = runtime.terminated(coordinator, timeout);
        return AskPattern.<KernelCoordinator.Message, Long>ask(coordinator, KernelCoordinator.Stop::new, timeout,
                runtime.system().scheduler()).thenCombine(gone, (last, terminated) -> last);
    }

    public String instance() {
        return instance;
    }
}
