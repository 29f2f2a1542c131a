package dev.custody.sim;

import dev.custody.api.CustodyRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Many simulated host kernels at once in one JVM: host {@code i} is the run of seed {@code seed + i}
 * (its own topology, agents and invariant checks), each on a thread of its own. On the actor engine
 * they share one runtime and journal, each host its own engine instance, as one process governing
 * several machines would. Hosts are independent, as the kernels they stand for are; the total is
 * every host's operations over the fleet's wall time.
 */
public final class Fleet {
    /** One host's run: its seed, engine instance and result. */
    public record Host(int index, long seed, String instance, SimResult result) {
        public double operationsPerSecond() {
            return result.operations() / (result.elapsedNanos() / 1e9);
        }
    }

    /** Every host's run, and the fleet's wall time. */
    public record Result(List<Host> hosts, long elapsedNanos) {
        public long operations() {
            return hosts.stream().mapToLong(h -> h.result().operations()).sum();
        }

        public double operationsPerSecond() {
            return operations() / (elapsedNanos / 1e9);
        }

        public List<Host> violated() {
            return hosts.stream()
                    .filter(h -> h.result().violation().isPresent())
                    .toList();
        }
    }

    private final SimSettings settings;
    private final int hosts;

    public Fleet(SimSettings settings, int hosts) {
        if (hosts < 1) {
            throw new IllegalArgumentException("--hosts must be at least 1, not " + hosts);
        }
        this.settings = settings;
        this.hosts = hosts;
    }

    public Result run() throws InterruptedException {
        Optional<CustodyRuntime> shared = settings.actors()
                ? Optional.of(CustodyRuntime.start(settings.journal().orElseThrow()))
                : Optional.empty();
        ExecutorService threads = Executors.newFixedThreadPool(
                hosts, Thread.ofPlatform().name("fleet-host-", 0).factory());
        try {
            long start = System.nanoTime();
            List<Future<Host>> running = new ArrayList<>();
            for (int i = 0; i < hosts; i++) {
                int index = i;
                long seed = settings.seed() + i;
                running.add(threads.submit(() -> {
                    Simulation simulation = new Simulation(settings.withSeed(seed), shared);
                    return new Host(index, seed, simulation.instance(), simulation.run(done -> {}));
                }));
            }
            List<Host> done = new ArrayList<>();
            for (Future<Host> host : running) {
                done.add(host.get());
            }
            return new Result(done, System.nanoTime() - start);
        } catch (ExecutionException failed) {
            throw new IllegalStateException(
                    "a host of the fleet failed: " + failed.getCause().getMessage(), failed);
        } finally {
            threads.shutdownNow();
            shared.ifPresent(CustodyRuntime::close);
        }
    }
}
