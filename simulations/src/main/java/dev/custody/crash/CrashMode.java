package dev.custody.crash;

import com.typesafe.config.Config;
import java.io.IOException;
import java.util.List;

/**
 * How the crash test runs its workload child and what a kill takes away: a SIGKILL of a JVM on this
 * host ({@link SigkillMode}), which keeps the page cache, or the power cut of a VM the JVM runs in
 * ({@link PowerLossMode}), which loses it. The cycles, the kill points and the audit are the same.
 */
interface CrashMode extends AutoCloseable {
    /** What a kill is called in messages: "SIGKILL", "power cut". */
    String killName();

    /** How long each step of a child may take in this mode. */
    Bounds bounds();

    /** The journal as the child spells it ({@code --journal}). */
    String journalSpelling();

    /** Starts {@code custody crash-workload} with these arguments; {@code name} names its logs. */
    WorkloadChild start(List<String> workloadArguments, String name) throws IOException;

    /** The journal as the last child left it, ready for this host to read. */
    Config journalAfterKill() throws IOException;

    @Override
    default void close() {}
}
