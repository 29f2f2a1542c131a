package dev.custody.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.bench.serve.ServeBench;
import dev.custody.persistence.JournalSpec;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody bench serve}: requests per second through the control socket, in memory and on H2. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Requests/s and p50/p99 latency through custody serve's socket with N clients, one request in",
            "flight each, on the in-memory journal and on H2; compare with 'custody bench journal' run just before."
        })
public final class ServeBenchCommand implements Callable<Integer> {

    @Option(names = "--clients", defaultValue = "16", description = "Connections (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(
            names = "--seconds",
            defaultValue = "20",
            description = "Measured seconds per journal (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--json", description = "One JSON object instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<ServeBench.Result> results = new ArrayList<>();
        Duration warmup = Duration.ofSeconds(Math.max(3, seconds / 4));
        results.add(ServeBench.run(
                "memory", JournalSpec.parse("memory").config(), clients, warmup, Duration.ofSeconds(seconds)));
        String h2 = "h2:" + Files.createTempDirectory("custody-bench-serve-h2");
        results.add(ServeBench.run(
                "h2", JournalSpec.parse(h2).prepared().config(), clients, warmup, Duration.ofSeconds(seconds)));
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(results));
            return 0;
        }
        System.out.printf(
                "%-8s %8s %12s %12s %10s %10s %8s%n",
                "journal", "clients", "requests", "requests/s", "p50 ms", "p99 ms", "errors");
        for (ServeBench.Result r : results) {
            System.out.printf(
                    "%-8s %8d %12d %12.0f %10.2f %10.2f %8d%n",
                    r.journal(),
                    r.clients(),
                    r.requests(),
                    r.requestsPerSecond(),
                    r.p50Millis(),
                    r.p99Millis(),
                    r.errors());
        }
        return 0;
    }
}
