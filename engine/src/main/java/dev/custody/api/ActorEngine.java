package dev.custody.api;

import com.typesafe.config.Config;
import dev.custody.model.Command;
import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The journaled actors as an engine: every command is decided by the coordinator, persisted by the
 * entities it touches, and only then answered. Its decisions must equal the pure model's. It
 * started its engine, so it holds the engine's {@link EngineAdmin}.
 */
public final class ActorEngine implements KernelEngine {
    private final CustodyRuntime runtime;
    private final boolean ownsRuntime;
    private final String instance;
    private final Duration timeout;
    private Topology topology;
    private volatile EngineAdmin custody;

    /** An engine on a runtime the caller shares between engines and closes itself. */
    public ActorEngine(CustodyRuntime runtime, String instance, Duration timeout) {
        this(runtime, false, instance, timeout);
    }

    private ActorEngine(CustodyRuntime runtime, boolean ownsRuntime, String instance, Duration timeout) {
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.instance = instance;
        this.timeout = timeout;
    }

    /** An engine with a runtime of its own on {@code journal}, closed with the engine. */
    public static ActorEngine onJournal(Config journal, String instance, Duration timeout) {
        return new ActorEngine(CustodyRuntime.start(journal), true, instance, timeout);
    }

    @Override
    public Decision boot(Topology topology) {
        this.topology = topology;
        Optional<String> tooLarge = HeapNeed.refusal(topology, true);
        if (tooLarge.isPresent()) { // refused before the entities start, not by an OutOfMemoryError among them
            return new Decision(List.of(), Outcome.fail(Errno.ENOMEM, tooLarge.get()), KernelState.empty(topology));
        }
        try {
            custody = await(EngineAdmin.start(runtime, instance, topology, timeout));
            return new Decision(List.of(), Outcome.ok(Reply.NONE), state());
        } catch (IllegalStateException refused) {
            return new Decision(
                    List.of(), Outcome.fail(Errno.EINVAL, refused.getMessage()), KernelState.empty(topology));
        }
    }

    @Override
    public CompletionStage<Decision> submit(Command<?> command, String operationId) {
        return custody.decide(command, operationId);
    }

    @Override
    public Decision decide(Command<?> command, String operationId) {
        return await(submit(command, operationId));
    }

    @Override
    public KernelState state() {
        return await(custody.state());
    }

    /** The engine's admin, for callers that subscribe, quiesce or inspect entities. */
    public EngineAdmin admin() {
        return custody;
    }

    /** Stops the engine cleanly and starts it again on its journal, as a restarted process would. */
    public void restart() {
        await(custody.stop());
        custody = await(EngineAdmin.start(runtime, instance, topology, timeout));
    }

    @Override
    public void close() {
        try {
            if (custody != null) {
                stopOrHalt();
            }
        } finally {
            if (ownsRuntime) {
                runtime.close();
            }
        }
    }

    /**
     * A clean stop; an engine with an entity that cannot recover from its journal never becomes quiet,
     * so it is halted instead: the entity was reported, and its decisions stay open in the journal.
     */
    private void stopOrHalt() {
        if (await(custody.stuckEntities()).isEmpty()) {
            await(custody.stop());
        } else {
            await(custody.halt());
        }
    }

    private <T> T await(CompletionStage<T> stage) {
        CompletableFuture<T> future = stage.toCompletableFuture();
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException failed) {
            Throwable cause = failed.getCause() != null ? failed.getCause() : failed;
            if (cause instanceof IllegalStateException refused) {
                throw refused;
            }
            throw new IllegalStateException("engine " + instance + " failed: " + cause, cause);
        } catch (TimeoutException slow) {
            throw new IllegalStateException("engine " + instance + " did not answer within " + timeout, slow);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for engine " + instance, interrupted);
        }
    }
}
