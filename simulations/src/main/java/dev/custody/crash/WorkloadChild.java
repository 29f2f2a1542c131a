package dev.custody.crash;

import java.io.InputStream;
import java.time.Duration;

/** One started workload child, whatever runs it: a JVM on this host, or a JVM in a VM. */
interface WorkloadChild extends AutoCloseable {
    /** Its protocol lines ({@link WorkloadLine}), ending when it dies. */
    InputStream protocol();

    /** Kills it at once: SIGKILL to the JVM, or to the VM (a power cut). */
    void kill();

    /** Waits at most {@code bound} for it to end; whether it has. */
    boolean awaitExit(Duration bound) throws InterruptedException;

    /** How it ended, for a message ("status 1"); "still running" when it has not. */
    String exitDescription();

    /** Its exit status, -1 while it runs or when it has none of its own. */
    int exitCode();

    /** Everything it wrote besides the protocol (the JVM's stderr, the VM's console). */
    String diagnostics();

    /** Ends it if it still runs and lets go of what it holds. */
    @Override
    void close();
}
