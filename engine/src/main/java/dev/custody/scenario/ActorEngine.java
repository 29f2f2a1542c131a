package dev.custody.scenario;

import dev.custody.api.Custody;
import dev.custody.api.CustodyRuntime;
import dev.custody.model.Command;
import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a scenario through the journaled actors: every step is decided by the coordinator, persisted
 * by the entities it touches, and only then answered. Its lines must equal the pure model's.
 */
public final class ActorEngine implements ScenarioEngine {
    private final CustodyRuntime runtime;
    private final String instance;
    private final Duration timeout;
    private Custody custody;
    private KernelState state;

    public ActorEngine(CustodyRuntime runtime, String instance, Duration timeout) {
        this.runtime = runtime;
        this.instance = instance;
        this.timeout = timeout;
    }

    @Override
    public Decision boot(Topology topology) {
        try {
            custody = await(Custody.start(runtime, instance, topology, timeout).toCompletableFuture());
            state = await(custody.state().toCompletableFuture());
            return new Decision(List.of(), Outcome.ok(dev.custody.model.Reply.NONE), state);
        } catch (IllegalStateException refused) {
            return new Decision(List.of(), Outcome.fail(Errno.EINVAL, refused.getMessage()), KernelState.empty(topology));
        }
    }

    @Override
    public Decision execute(Command command) {
        Decision decision = await(custody.decide(command).toCompletableFuture());
        state = decision.state();
        return decision;
    }

    @Override
    public KernelState state() {
        return state;
    }

    /** The engine itself, for callers that want to quiesce or inspect it after a run. */
    public Custody custody() {
        return custody;
    }

    private <T> T await(java.util.concurrent.CompletableFuture<T> future) {
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
