package dev.custody.oracle.vm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the host tools the oracle needs (gcc, tar, dpkg-query, the kernel build script) with a bound
 * on their time, and reports a failure with the command and its output, so a missing package or a
 * compile error reads as such instead of as a later "file not found".
 */
final class Commands {
    private Commands() {}

    /** What a finished command printed. */
    record Output(int exitCode, String stdout, String stderr) {}

    /** Runs {@code command}; stderr lines go to {@code stderrLines} as they come and are also returned. */
    static Output run(List<String> command, Path directory, Duration timeout, Consumer<String> stderrLines) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        }
        // Both pipes are drained concurrently so a chatty tool cannot block on a full pipe.
        CompletableFuture<String> out =
                CompletableFuture.supplyAsync(() -> drain(process.getInputStream(), line -> {}));
        CompletableFuture<String> err =
                CompletableFuture.supplyAsync(() -> drain(process.getErrorStream(), stderrLines));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                Processes.killTree(process);
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Output(process.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            Processes.killTree(process);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.getFirst(), e);
        }
    }

    /** Runs {@code command} and returns its stdout, failing with its stderr when it exits non-zero. */
    static String check(List<String> command, Path directory, Duration timeout) {
        Output output = run(command, directory, timeout, line -> {});
        if (output.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (exit " + output.exitCode() + "):\n"
                    + output.stderr() + output.stdout());
        }
        return output.stdout();
    }

    private static String drain(InputStream stream, Consumer<String> lines) {
        StringBuilder all = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                lines.accept(line);
                all.append(line).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all.toString();
    }

    private static java.io.File nullDevice() {
        return new java.io.File("/dev/null");
    }
}
