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
    private final String instance;
    private final Topology topology;
    private Custody custody;

    ActorSimEngine(Config journal, String instance, Topology topology) {
        this.runtime = CustodyRuntime.start(journal);
        this.instance = instance;
        this.topology = topology;
        this.custody = start();
    }

    private Custody start() {
        return Custody.start(runtime, instance, topology, Duration.ofSeconds(60)).toCompletableFuture().join();
    }

    /**
     * Stops the engine and starts it again on its journal: the recovered state must be {@code expected}
     * and every entity's own journal must agree with it.
     */
    java.util.List<dev.custody.invariants.Violation> restartAndAudit(KernelState expected) {
        custody.stop().toCompletableFuture().join();
        custody = start();
        KernelState recovered = state();
        if (!recovered.equals(expected)) {
            return java.util.List.of(new dev.custody.invariants.Violation(dev.custody.invariants.Invariant.J2,
                    java.util.List.of("journal"), "the restarted engine recovered a state other than the acknowledged one"));
        }
        return dev.custody.api.EntityAudit.compare(custody, expected, 5).stream()
                .map(d -> new dev.custody.invariants.Violation(dev.custody.invariants.Invariant.J4,
                        java.util.List.of(d.entity().kind() + " " + d.entity().key()), "after a restart " + d))
                .toList();
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
