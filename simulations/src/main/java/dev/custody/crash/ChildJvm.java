package dev.custody.crash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts {@code custody crash-workload} (or, for {@code --serve}, {@code custody serve}) in a new JVM: the same java binary and class path as this
 * one, so the child runs exactly the code under test; its errors go to a file, its protocol to us.
 */
final class ChildJvm {
    private ChildJvm() {}

    /** Frequent snapshots in the child: the crash test kills during snapshot writes as well. */
    static final int SNAPSHOT_EVERY = 3;

    /** The command line's entry point; the workload is its hidden {@code crash-workload} command. */
    static final String MAIN_CLASS = "dev.custody.cli.CustodyCli";

    /** What every workload JVM runs with, on this host or in a VM. */
    static final List<String> WORKLOAD_OPTIONS = List.of(
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            // snapshots every few events, so that seeded kills also land while a snapshot is written
            "-Dcustody.snapshot-every=" + SNAPSHOT_EVERY);

    /**
     * Starts the child. {@code environment} is added to ours: it carries what may not be on a command
     * line, which every user of the machine can read (the journal's password).
     */
    static JvmChild start(List<String> workloadArguments, Path stderr, Map<String, String> environment)
            throws IOException {
        Files.deleteIfExists(stderr);
        return new JvmChild(process(workloadArguments, stderr, environment).start(), stderr);
    }

    /** The child's process, not yet started. */
    static ProcessBuilder process(List<String> workloadArguments, Path stderr, Map<String, String> environment) {
        ProcessBuilder process = new ProcessBuilder(command("crash-workload", workloadArguments))
                .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        process.environment().putAll(environment);
        return process;
    }

    /** The java command line that runs {@code custody SUBCOMMAND ARGUMENTS...} on this JVM's class path. */
    static List<String> command(String subcommand, List<String> arguments) {
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m"));
        command.addAll(WORKLOAD_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MAIN_CLASS, subcommand));
        command.addAll(arguments);
        return command;
    }
}
