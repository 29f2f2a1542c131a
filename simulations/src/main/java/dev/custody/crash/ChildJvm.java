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

    static Process start(List<String> workloadArguments, Path stderr) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java,
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "dev.custody.cli.CustodyCli", "crash-workload"));
        command.addAll(workloadArguments);
        return new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
                .start();
    }
}
