package dev.custody.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.model.Topology;
import dev.custody.server.ControlClient;
import dev.custody.server.ControlServer;
import dev.custody.server.ServerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Requests per second through {@code custody serve}: an in-process server on a journal, and
 * {@code clients} connections each giving its own group a VM's life over and over ({@link VmLife}),
 * one request in flight per connection. Every request but the bind changes ownership, so nearly every answer
 * follows a journal write: the figure to hold against {@code custody bench journal}'s decisions/s.
 */
public final class ServeBench {
    public record Result(
            String journal,
            int clients,
            double seconds,
            long requests,
            long journaled,
            long errors,
            double requestsPerSecond,
            double p50Millis,
            double p99Millis) {}

    private ServeBench() {}

    public static Result run(String journalName, Config journal, int clients, Duration warmup, Duration measure)
            throws Exception {
        Path directory = Files.createTempDirectory("custody-bench-serve");
        Topology topology = VmLife.topology(clients);
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin custody = EngineAdmin.start(runtime, "bench-serve", topology, Duration.ofSeconds(60))
                    .toCompletableFuture()
                    .get(120, TimeUnit.SECONDS);
            ServerSettings settings = ServerSettings.of(directory.resolve("custody.sock"), "bench-serve", topology);
            ControlServer server = ControlServer.start(settings, custody);
            ConcurrentHistogram latency = new ConcurrentHistogram(3);
            AtomicBoolean measuring = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong requests = new AtomicLong();
            AtomicLong journaled = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            CountDownLatch done = new CountDownLatch(clients);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int caller = i;
                threads.add(Thread.ofPlatform().name("bench-client-" + i).start(() -> {
                    try (ControlClient client = ControlClient.connect(settings.socket())) {
                        client.call(VmLife.bind(caller).request());
                        while (!stop.get()) {
                            for (VmLife.Step step : VmLife.life(caller)) {
                                long start = System.nanoTime();
                                JsonNode answer = client.call(step.request());
                                if (measuring.get()) {
                                    latency.recordValue(System.nanoTime() - start);
                                    requests.incrementAndGet();
                                    journaled.addAndGet(answer.path("return").has("seq") ? 1 : 0);
                                    errors.addAndGet(answer.has("error") ? 1 : 0);
                                }
                            }
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException("bench client " + caller + " failed: " + e, e);
                    } finally {
                        done.countDown();
                    }
                }));
            }
            Thread.sleep(warmup.toMillis()); // the warm-up is a length of time, not a synchronisation
            measuring.set(true);
            long start = System.nanoTime();
            Thread.sleep(measure.toMillis());
            measuring.set(false);
            double seconds = (System.nanoTime() - start) / 1e9;
            stop.set(true);
            done.await(120, TimeUnit.SECONDS);
            server.close();
            custody.stop().toCompletableFuture().get(120, TimeUnit.SECONDS);
            return new Result(
                    journalName,
                    clients,
                    seconds,
                    requests.get(),
                    journaled.get(),
                    errors.get(),
                    requests.get() / seconds,
                    latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6);
        }
    }
}
