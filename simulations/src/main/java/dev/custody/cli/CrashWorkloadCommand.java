package dev.custody.cli;

import dev.custody.crash.CrashWorkload;
import dev.custody.persistence.JournalSpec;
import dev.custody.sim.SimTopology;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The child process of {@code custody crash-test}; hidden, since only the harness starts it. */
@Command(name = "crash-workload", hidden = true, description = "The engine under crash test (started by crash-test).")
public final class CrashWorkloadCommand implements Callable<Integer> {

    @Option(names = "--journal", required = true)
    String journal;

    @Option(names = "--instance", defaultValue = JournalSpec.DEFAULT_INSTANCE)
    String instance;

    @Option(names = "--seed", required = true)
    long seed;

    @Option(names = "--topology-seed", required = true)
    long topologySeed;

    @Option(names = "--groups", defaultValue = "8")
    int groups;

    @Option(names = "--operation-prefix", required = true)
    String operationPrefix;

    @Option(names = "--max-operations", defaultValue = "200000")
    long maxOperations;

    @Option(names = "--verify-only", description = "Recover, report, stop cleanly.")
    boolean verifyOnly;

    @Option(
            names = "--no-parent-watch",
            description = "Do not exit when standard input ends (in a VM, the machine's end is the child's).")
    boolean noParentWatch;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        return new CrashWorkload(out)
                .run(
                        JournalSpec.durable(journal).prepared().config(),
                        instance,
                        SimTopology.generate(topologySeed, groups),
                        seed,
                        operationPrefix,
                        verifyOnly,
                        maxOperations,
                        !noParentWatch);
    }
}
