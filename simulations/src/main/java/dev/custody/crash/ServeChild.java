package dev.custody.crash;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code custody serve} in a child JVM for {@code crash-test --serve}: started on the journal, ready
 * when it says so on its standard error (which is copied to a log file as it comes), SIGKILLed mid-load
 * or stopped with SIGTERM at the end. It halts by itself when the parent dies ({@code --exit-with-stdin}).
 */
final class ServeChild implements AutoCloseable {
    /** What {@code custody serve} writes to standard error once its socket accepts connections. */
    static final String READY = "custody serve: ready on ";

    private static final int LAST_LINES_KEPT = 20;

    private final Process process;
    private final long startedNanos = System.nanoTime();
    private final CompletableFuture<Long> ready = new CompletableFuture<>();
    private final Deque<String> lastLines = new ArrayDeque<>();

    private ServeChild(Process process, Path log) throws IOException {
        this.process = process;
        BufferedWriter file = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("serve-child-stderr").start(() -> copy(file));
    }

    /** Starts {@code custody serve ARGUMENTS... --exit-with-stdin}; its standard error goes to {@code log}. */
    static ServeChild start(List<String> serveArguments, Path log, java.util.Map<String, String> environment)
            throws IOException {
        List<String> arguments = new java.util.ArrayList<>(serveArguments);
        arguments.add("--exit-with-stdin");
        ProcessBuilder builder = new ProcessBuilder(ChildJvm.command("serve", arguments))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(environment); // the journal's password: never on a command line
        Process process = builder.start();
        return new ServeChild(process, log);
    }

    private void copy(BufferedWriter file) {
        try (file;
                BufferedReader lines =
                        new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                file.write(line);
                file.newLine();
                file.flush();
                synchronized (lastLines) {
                    lastLines.add(line);
                    if (lastLines.size() > LAST_LINES_KEPT) {
                        lastLines.removeFirst();
                    }
                }
                if (line.startsWith(READY)) {
                    ready.complete((System.nanoTime() - startedNanos) / 1_000_000);
                }
            }
        } catch (IOException ended) {
            // the child died under the reader: its output has ended like any other
        } finally {
            ready.completeExceptionally(new IllegalStateException("custody serve ended before it was ready"));
        }
    }

    /**
     * Milliseconds from the JVM's start to the socket being ready (JVM start, the engine's recovery,
     * the server's own recovery); -1 when it was not ready within {@code bound} or ended before.
     */
    long awaitReady(Duration bound) throws InterruptedException {
        try {
            return ready.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException notReady) {
            return -1;
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL. */
    void kill() {
        process.toHandle().destroyForcibly();
    }

    /** SIGTERM: the server answers what it read, closes its connections' files and stops its engine. */
    void terminate() {
        process.toHandle().destroy();
    }

    boolean awaitExit(Duration bound) throws InterruptedException {
        return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
    }

    String exitDescription() {
        return process.isAlive() ? "still running" : "status " + process.exitValue();
    }

    /** Its last lines of standard error, for a message. */
    String tail() {
        synchronized (lastLines) {
            return lastLines.stream()
                    .filter(l -> !l.isBlank() && !l.startsWith("WARNING:"))
                    .reduce((a, b) -> a + "\n" + b)
                    .orElse("");
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
