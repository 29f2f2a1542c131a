package dev.custody.nativeio.host;

import dev.custody.nativeio.libc.ErrnoNames;
import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.libc.LibcIo;
import dev.custody.nativeio.libc.LibcSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sysfs writes, each sequence on a thread of its own: a write that blocks (unbinding vfio-pci while
 * a device fd is open waits for user space to close it) must not stop the lines after it, which
 * may be the very close it waits for. Threads share the process's descriptors without holding
 * references of their own, so a blocked writer keeps nothing open. Such a write is answered
 * PENDING and its completion reported when it comes.
 */
final class SysfsWrites {
    /** What {@link #run} answers for a write still blocked. */
    static final int PENDING = -1;
    /** Every capability: the writer keeps the process's. */
    static final long ALL_CAPABILITIES = ~0L;
    /**
     * How long a write may take before it counts as blocked. Removing a driver can legitimately take
     * seconds under emulation (nvme shuts its controller down); a write that waits in VFIO's
     * unregister for user space to close its fds is recognised at once by where it sleeps.
     */
    static final Duration WRITE_PATIENCE = Duration.ofSeconds(20);

    static final Duration WRITE_POLL = Duration.ofMillis(100);
    static final int MAX_PENDING = 16;
    private static final int EIO = 5;
    private static final int EAGAIN = 11;

    /** One write of a sequence; a failure of one marked {@code ignoreError} does not stop the sequence. */
    record Write(Path path, String value, boolean ignoreError) {}

    private record Pending(String step, CompletableFuture<Integer> done) {}

    private final List<Pending> pendings = new ArrayList<>();
    private final Duration patience;

    SysfsWrites() {
        this(WRITE_PATIENCE);
    }

    /** @param patience how long a write may take before it is answered PENDING */
    SysfsWrites(Duration patience) {
        this.patience = patience;
    }

    /** @return the writes' errno, 0, or {@link #PENDING} when they did not finish in time */
    int run(String step, List<Write> writes, long capabilities) {
        CompletableFuture<Integer> tid = new CompletableFuture<>();
        CompletableFuture<Integer> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("sysfs-write-" + step).start(() -> writeAll(writes, capabilities, tid, done));
        long waited = 0;
        while (waited < patience.toMillis()) {
            try {
                return done.get(WRITE_POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillWriting) {
                waited += WRITE_POLL.toMillis();
                if (tid.isDone() && waitsForUserSpace(tid.join())) {
                    break;
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException impossible) {
                return EIO;
            }
        }
        if (pendings.size() == MAX_PENDING) {
            return EAGAIN;
        }
        pendings.add(new Pending(step, done));
        return PENDING;
    }

    int pendingCount() {
        return pendings.size();
    }

    /**
     * The pending writes that have finished, each waited for up to {@code patience}; {@code at} is
     * the step that runs now. Finished ones leave the list as the guest agent's do (the last takes
     * the finished one's place), so completions come in the agent's order.
     */
    List<AgentCompletion> collect(String at, Duration patience) {
        List<AgentCompletion> finished = new ArrayList<>();
        for (int i = 0; i < pendings.size(); ) {
            Pending pending = pendings.get(i);
            Integer err = finishedWithin(pending.done(), patience);
            if (err != null) {
                finished.add(new AgentCompletion(pending.step(), at, err == 0 ? "ok" : ErrnoNames.of(err)));
                pendings.set(i, pendings.getLast());
                pendings.removeLast();
            } else {
                i++;
            }
        }
        return finished;
    }

    private static Integer finishedWithin(CompletableFuture<Integer> done, Duration patience) {
        if (patience.isZero()) {
            return done.isDone() ? done.join() : null;
        }
        try {
            return done.get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException notYet) {
            return null;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException impossible) {
            return EIO;
        }
    }

    private static void writeAll(
            List<Write> writes, long capabilities, CompletableFuture<Integer> tid, CompletableFuture<Integer> done) {
        try {
            tid.complete(LibcSystem.gettid());
            if (capabilities != ALL_CAPABILITIES) {
                LibcSystem.limitCapabilities(capabilities); // this thread's only: it ends with the writes
            }
            int err = 0;
            for (Write write : writes) {
                int thisErr = writeText(write.path(), write.value());
                if (thisErr != 0 && !write.ignoreError()) {
                    err = thisErr;
                    break;
                }
            }
            done.complete(err);
        } catch (Throwable unexpected) {
            done.complete(EIO);
            tid.complete(0);
        }
    }

    /** One open and one write of the value and a newline ("-" writes only the newline, which clears). */
    static int writeText(Path path, String value) {
        int fd = Libc.open(path.toString(), Libc.O_WRONLY | Libc.O_CLOEXEC);
        if (fd < 0) {
            return -fd;
        }
        long written = LibcIo.write(fd, (value.equals("-") ? "" : value) + "\n");
        Libc.close(fd);
        return written < 0 ? (int) -written : 0;
    }

    /**
     * Whether the writer sleeps in VFIO waiting for a device's fds to close (its wchan names the VFIO
     * function it waits in), the wait the scenario format calls PENDING.
     */
    private static boolean waitsForUserSpace(int tid) {
        try {
            return Files.readString(Path.of("/proc/self/task", Integer.toString(tid), "wchan"))
                    .contains("vfio");
        } catch (IOException | RuntimeException gone) {
            return false;
        }
    }
}
