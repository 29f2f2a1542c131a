package dev.custody.crash;

import java.time.Duration;

/**
 * How long the harness waits for each thing a workload child must do. None is a timing target: each
 * is far above what a working engine needs, so that expiring means the engine is stuck, which is
 * reported as a violation naming what did not happen, and the run goes on.
 *
 * @param start    from starting the child to the engine's recovery beginning (a JVM start, or a VM's boot and JVM start)
 * @param recovery from the recovery beginning to the engine reporting it recovered
 * @param quiet    the longest silence while racing: from the recovery, or the last acknowledgement, to the next one
 * @param stop     for a verify child, from its recovery to its clean stop
 * @param exit     from a kill or a clean stop to the end of the child's output and its exit
 */
record Bounds(Duration start, Duration recovery, Duration quiet, Duration stop, Duration exit) {
    /** A JVM on this host. */
    static final Bounds JVM = new Bounds(
            Duration.ofSeconds(60),
            Duration.ofSeconds(120),
            Duration.ofSeconds(60),
            Duration.ofSeconds(60),
            Duration.ofSeconds(30));

    /**
     * A JVM in the oracle's VM, emulated (TCG) on one virtual CPU: about ten times slower than the host
     * (measured: 25 s from QEMU's start to the recovery beginning, 23 s to recover an empty journal).
     */
    static final Bounds VM = new Bounds(
            Duration.ofSeconds(300),
            Duration.ofSeconds(600),
            Duration.ofSeconds(300),
            Duration.ofSeconds(300),
            Duration.ofSeconds(30));
}
