package dev.custody.crash;

import com.typesafe.config.Config;
import dev.custody.api.ActorEngine;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.KernelEngine;
import dev.custody.entity.Settled;
import dev.custody.invariants.Invariants;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.replay.StateDigest;
import dev.custody.rules.Decision;
import dev.custody.sim.Agent;
import dev.custody.sim.RaceAgents;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The child process of the crash test: starts (so recovers) the engine on the journal, reports the
 * recovered state (and each entity that cannot recover from its journal), then races its agents
 * against the engine, printing every acknowledged operation (flushed) before the agent that issued it
 * goes on, until the parent kills it.
 */
public final class CrashWorkload {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final PrintStream out;
    private final AtomicLong issued = new AtomicLong();

    public CrashWorkload(PrintStream out) {
        this.out = out;
    }

    /** {@code operationPrefix} makes operation ids unique across the restarts of one crash test. */
    public int run(
            Config journal,
            String instance,
            Topology topology,
            long seed,
            String operationPrefix,
            boolean verifyOnly,
            long maxOperations,
            boolean watchParent) {
        if (watchParent) {
            ParentWatch.start();
        }
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            say(new WorkloadLine.Recovering());
            long start = System.nanoTime();
            ActorEngine engine = new ActorEngine(runtime, instance, TIMEOUT);
            Decision started = engine.boot(topology);
            if (!started.outcome().isOk()) {
                throw new IllegalStateException(started.outcome().explanation().orElse("the engine did not start"));
            }
            // settled, not quiet: an entity stuck on a torn row is said, and the child goes on without it
            Settled settled = engine.admin().settle().toCompletableFuture().join();
            settled.stuck().forEach(stuck -> say(new WorkloadLine.Stuck(stuck.describe())));
            long lastSeq = settled.lastSeq();
            KernelState state = engine.state();
            long millis = (System.nanoTime() - start) / 1_000_000;
            say(new WorkloadLine.Recovered(
                    millis,
                    lastSeq,
                    StateDigest.of(state),
                    Invariants.check(state).size()));
            if (verifyOnly) {
                engine.close();
                say(new WorkloadLine.Done());
                return 0;
            }
            AtomicReference<KernelState> latest = new AtomicReference<>(state);
            List<Agent> agents = RaceAgents.of(seed, topology, latest::get);
            CompletableFuture<?>[] lanes = agents.stream()
                    .map(agent -> race(engine, agent, latest, operationPrefix, maxOperations))
                    .toArray(CompletableFuture[]::new);
            CompletableFuture.allOf(lanes).join();
            engine.close();
            return 0;
        }
    }

    /** One agent's calls, one after another; the agents together race each other. */
    private CompletableFuture<Void> race(
            KernelEngine engine, Agent agent, AtomicReference<KernelState> latest, String prefix, long maxOperations) {
        CompletableFuture<Void> finished = new CompletableFuture<>();
        next(engine, agent, latest, prefix, maxOperations, finished);
        return finished;
    }

    private void next(
            KernelEngine engine,
            Agent agent,
            AtomicReference<KernelState> latest,
            String prefix,
            long maxOperations,
            CompletableFuture<Void> finished) {
        long n = issued.incrementAndGet();
        if (n > maxOperations) {
            finished.complete(null);
            return;
        }
        Command<?> command = agent.next();
        String operationId = prefix + "-" + n;
        engine.submit(command, operationId).whenComplete((decision, failure) -> {
            if (failure != null) {
                finished.completeExceptionally(failure);
                return;
            }
            // the acknowledgement is on the pipe before anything depends on it
            say(new WorkloadLine.Acknowledged(
                    operationId, decision.events().size(), EventsDigest.of(decision.events())));
            latest.set(decision.state());
            agent.observe(command, decision.outcome());
            next(engine, agent, latest, prefix, maxOperations, finished);
        });
    }

    private void say(WorkloadLine line) {
        synchronized (out) {
            out.println(line.text());
            out.flush();
        }
    }
}
