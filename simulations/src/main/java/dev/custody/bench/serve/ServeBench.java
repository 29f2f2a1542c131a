package dev.custody.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.model.Topology;
import dev.custody.scenario.ScenarioParser;
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
 * {@code clients} connections each giving its own group a VM's life over and over (bind once, then
 * open the group and a container, set the container and the IOMMU type, close both), one request in
 * flight per connection. Every request but the bind changes ownership, so nearly every answer
 * follows a journal write: the figure to hold against {@code custody bench journal}'s decisions/s.
 */
public final class ServeBench {
    private static final ObjectMapper JSON = new ObjectMapper();

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
        Topology topology = topology(clients);
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
                        call(
                                client,
                                "driver.bind",
                                "{\"device\": \"" + device(caller) + "\", \"driver\": \"vfio-pci\"}",
                                null);
                        while (!stop.get()) {
                            for (String[] step : life(caller)) {
                                long start = System.nanoTime();
                                JsonNode answer = call(client, step[0], step[1], step[2]);
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

    /** One VM's life on the caller's own group, each request answered before the next. */
    private static List<String[]> life(int caller) {
        return List.of(
                new String[] {"vfio.group.open", "{\"group\": " + (caller + 1) + "}", "g"},
                new String[] {"vfio.container.open", "{}", "c"},
                new String[] {"vfio.group.set_container", "{\"fd\": \"g\", \"container\": \"c\"}", null},
                new String[] {"vfio.container.set_iommu", "{\"fd\": \"c\", \"type\": \"type1v2\"}", null},
                new String[] {"vfio.group.close", "{\"fd\": \"g\"}", null},
                new String[] {"vfio.container.close", "{\"fd\": \"c\"}", null});
    }

    private static JsonNode call(ControlClient client, String execute, String arguments, String as) throws Exception {
        ObjectNode request = JSON.createObjectNode().put("execute", execute);
        request.set("arguments", JSON.readTree(arguments));
        if (as != null) {
            request.put("as", as);
        }
        return client.call(request);
    }

    private static String device(int caller) {
        return "0000:%02x:00.0".formatted(caller + 1);
    }

    private static Topology topology(int clients) {
        StringBuilder devices = new StringBuilder();
        for (int i = 0; i < clients; i++) {
            devices.append(i == 0 ? "" : ",")
                    .append("{\"name\": \"")
                    .append(device(i))
                    .append("\", \"iommu\": \"dmar0\", \"group\": ")
                    .append(i + 1)
                    .append('}');
        }
        return ScenarioParser.parse(
                        "bench-serve",
                        "{\"topology\": {\"iommus\": [{\"name\": \"dmar0\"}], \"devices\": [" + devices
                                + "]}, \"steps\": []}")
                .topology();
    }
}
