package dev.custody.crash;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code custody crash-workload} in a new JVM: the same java binary and class path as this
 * one, so the child runs exactly the code under test; its errors go to a file, its protocol to us.
 */
final class ChildJvm {
    private ChildJvm() {}

    /** Frequent snapshots in the child: the crash test kills during snapshot writes as well. */
    static final int SNAPSHOT_EVERY = 3;

    static Process start(List<String> workloadArguments, Path stderr) throws IOException {
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Xmx512m",
                // snapshots every few events, so that seeded kills also land while a snapshot is written
                "-Dcustody.snapshot-every=" + SNAPSHOT_EVERY,
                "-cp",
                System.getProperty("java.class.path"),
                "dev.custody.cli.CustodyCli",
                "crash-workload"));
        command.addAll(workloadArguments);
        return new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
                .start();
    }
}
