package dev.custody.oracle.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A VM started by {@link VirtualMachine#start}: the guest's agent port is read from {@link #agentOutput()}
 * as it is written, and the host may {@link #kill()} QEMU at any moment, which ends the guest as a
 * power cut ends a host: no shutdown, and whatever the guest kernel had not yet written to its disks
 * is gone. The request's timeout kills it as well, so no VM outlives its bound.
 */
public final class RunningVm implements AutoCloseable {
    private final Process qemu;
    private final long started = System.nanoTime();
    private final Path work;
    private final Path console;
    private final Path qemuLog;
    private final boolean keep;
    private final AtomicBoolean timedOut = new AtomicBoolean();
    private final CompletableFuture<Void> watchdog;

    RunningVm(Process qemu, Duration timeout, Path work, Path console, Path qemuLog, boolean keep) {
        this.qemu = qemu;
        this.work = work;
        this.console = console;
        this.qemuLog = qemuLog;
        this.keep = keep;
        this.watchdog = CompletableFuture.runAsync(
                () -> {
                    if (qemu.isAlive()) {
                        timedOut.set(true);
                        kill();
                    }
                },
                CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** What the guest writes to its second serial port ({@code /dev/ttyS1}); it ends when QEMU does. */
    public InputStream agentOutput() {
        return qemu.getInputStream();
    }

    /**
     * SIGKILL to QEMU, at once. Through the process handle: {@code Process.destroyForcibly} would also
     * close our end of the pipe, losing what the guest wrote just before.
     */
    public void kill() {
        qemu.toHandle().destroyForcibly();
    }

    /** Waits at most {@code bound} for QEMU to end; whether it has. */
    public boolean awaitExit(Duration bound) throws InterruptedException {
        return qemu.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** QEMU's exit status once it has ended (0 after the guest powered off, 137 after a kill). */
    public Optional<Integer> exitCode() {
        return qemu.isAlive() ? Optional.empty() : Optional.of(qemu.exitValue());
    }

    /** Whether the request's timeout killed it. */
    public boolean timedOut() {
        return timedOut.get();
    }

    public Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** The kernel console (first serial port) so far. */
    public String consoleLog() {
        return read(console);
    }

    /** QEMU's own messages (its stderr) so far. */
    public String qemuLog() {
        return read(qemuLog);
    }

    /** The run's directory when it is kept ({@link VirtualMachine#KEEP_ENV}). */
    public Optional<Path> workDir() {
        return keep ? Optional.of(work) : Optional.empty();
    }

    /** Kills QEMU if it still runs, waits (bounded) for it, and deletes the run's directory unless kept. */
    @Override
    public void close() {
        watchdog.cancel(false);
        if (qemu.isAlive()) {
            Processes.killTree(qemu);
        }
        if (!keep) {
            VirtualMachine.deleteWork(work);
        }
    }

    private static String read(Path file) {
        try {
            // the guest can write anything to a serial port; invalid UTF-8 becomes U+FFFD
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
