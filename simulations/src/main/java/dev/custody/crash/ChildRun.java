package dev.custody.crash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one workload child to its end: reads its protocol lines as they come, logs every acknowledgement,
 * SIGKILLs it at the kill point, and then drains what it wrote before dying. Waiting is on the child's
 * output and exit only; a deadline kills a child that hangs.
 */
final class ChildRun {

    record Result(
            Optional<WorkloadLine.Recovered> recovered,
            boolean done,
            boolean killed,
            boolean hung,
            int acknowledged,
            int exitCode,
            String stderrTail) {}

    private ChildRun() {}

    static Result run(List<String> arguments, Path stderr, KillPoint killPoint, AckLog log, Duration deadline)
            throws IOException, InterruptedException {
        Files.deleteIfExists(stderr);
        Process child = ChildJvm.start(arguments, stderr);
        AtomicBoolean hung = new AtomicBoolean();
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(
                () -> {
                    hung.set(true);
                    sigkill(child);
                },
                CompletableFuture.delayedExecutor(deadline.toMillis(), TimeUnit.MILLISECONDS));
        Optional<WorkloadLine.Recovered> recovered = Optional.empty();
        boolean done = false;
        boolean killed = false;
        int acknowledged = 0;
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String text;
            while ((text = out.readLine()) != null) {
                Optional<WorkloadLine> line = WorkloadLine.parse(text);
                if (line.isEmpty()) {
                    continue;
                }
                switch (line.get()) {
                    case WorkloadLine.Recovering r -> {
                        if (killPoint instanceof KillPoint.DuringRecovery && !killed) {
                            sigkill(child);
                            killed = true;
                        }
                    }
                    case WorkloadLine.Recovered r -> recovered = Optional.of(r);
                    case WorkloadLine.Acknowledged a -> {
                        log.add(a);
                        acknowledged++;
                        if (killPoint instanceof KillPoint.AfterAcknowledged k
                                && acknowledged >= k.count()
                                && !killed) {
                            sigkill(child);
                            killed = true;
                        }
                    }
                    case WorkloadLine.Done d -> done = true;
                }
            }
        } finally {
            watchdog.cancel(false);
        }
        int exit = child.waitFor();
        killed &= !hung.get();
        return new Result(recovered, done, killed, hung.get(), acknowledged, exit, tail(stderr));
    }

    /**
     * SIGKILL through the process handle: {@code Process.destroyForcibly} would also close our end of the
     * pipe, losing the acknowledgements the child wrote just before it died.
     */
    private static void sigkill(Process child) {
        child.toHandle().destroyForcibly();
    }

    private static String tail(Path stderr) throws IOException {
        if (!Files.exists(stderr)) {
            return "";
        }
        List<String> lines = Files.readAllLines(stderr, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.startsWith("WARNING:"))
                .toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    }
}
