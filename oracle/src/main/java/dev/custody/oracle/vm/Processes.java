package dev.custody.oracle.vm;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Ends a process we started together with everything it started, and waits (bounded) for it. */
final class Processes {
    /** Long enough for SIGKILL to be delivered and reaped; a process that survives it is reported. */
    static final Duration REAP = Duration.ofSeconds(10);

    private Processes() {}

    /** Kills the process's descendants first (they would otherwise be orphaned), then the process. */
    static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            if (!process.waitFor(REAP.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("process " + process.pid() + " survived SIGKILL for " + REAP);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
