package dev.custody.crash;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A workload child that is a JVM on this host: its protocol on its stdout, its errors in a file. */
final class JvmChild implements WorkloadChild {
    private final Process process;
    private final Path stderr;

    JvmChild(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
    }

    @Override
    public InputStream protocol() {
        return process.getInputStream();
    }

    /**
     * SIGKILL through the process handle: {@code Process.destroyForcibly} would also close our end of the
     * pipe, losing the acknowledgements the child wrote just before it died.
     */
    @Override
    public void kill() {
        process.toHandle().destroyForcibly();
    }

    @Override
    public boolean awaitExit(Duration bound) throws InterruptedException {
        return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public String exitDescription() {
        return process.isAlive() ? "still running" : "status " + process.exitValue();
    }

    @Override
    public int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    @Override
    public String diagnostics() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the child's stderr " + stderr, e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
