package dev.custody.sim;

import com.typesafe.config.Config;
import dev.custody.api.Custody;
import dev.custody.api.CustodyRuntime;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.time.Duration;

/** The journaled engine: every decision is persisted by the coordinator and its entities before it returns. */
final class ActorSimEngine implements SimEngine {
    private final CustodyRuntime runtime;
    private final Custody custody;

    ActorSimEngine(Config journal, String instance, Topology topology) {
        this.runtime = CustodyRuntime.start(journal);
        this.custody = Custody.start(runtime, instance, topology, Duration.ofSeconds(60)).toCompletableFuture().join();
    }

    @Override
    public Decision decide(Command command, String operationId) {
        return custody.decide(command, operationId).toCompletableFuture().join();
    }

    @Override
    public KernelState state() {
        return custody.state().toCompletableFuture().join();
    }

    Custody custody() {
        return custody;
    }

    @Override
    public void close() {
        custody.stop().toCompletableFuture().join();
        runtime.close();
    }
}
