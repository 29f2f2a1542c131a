package dev.custody.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.cluster.ClusterTimings;
import dev.custody.crash.ClusterCrashTest;
import dev.custody.persistence.JournalCredentials;
import dev.custody.persistence.JournalSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody cluster-test}: SIGKILL cluster nodes under load; prove nothing acknowledged was lost. */
@Command(
        name = "cluster-test",
        mixinStandardHelpOptions = true,
        header = "SIGKILL cluster nodes under load; prove nothing acknowledged was lost (docs/cluster.md).",
        description = {
            "Starts --nodes custody serve --cluster JVMs on 127.0.0.1 on one PostgreSQL journal, drives every host",
            "through their sockets (operation ids, retried until answered), SIGKILLs a seeded node --kills times",
            "(restarting it once its hosts answer elsewhere), then asks every acknowledged operation again and",
            "checks the journal's writer ids. Exit 0 when lost and dualWriters are 0, 1 otherwise, 2 on bad options."
        })
public final class ClusterTestCommand implements Callable<Integer> {

    @Option(names = "--nodes", defaultValue = "3", description = "Cluster nodes. Default: ${DEFAULT-VALUE}.")
    int nodes;

    @Option(names = "--hosts", defaultValue = "24", description = "Engine instances. Default: ${DEFAULT-VALUE}.")
    int hosts;

    @Option(names = "--kills", defaultValue = "3", description = "SIGKILLs. Default: ${DEFAULT-VALUE}.")
    int kills;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "Seeds the victims and the load. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--journal",
            required = true,
            description = "A jdbc:postgresql: URL (its password in " + JournalCredentials.PASSWORD_VARIABLE
                    + " or passwordFile=FILE).")
    String journal;

    @Option(
            names = "--cluster-timings",
            paramLabel = "loopback|network",
            defaultValue = "loopback",
            description = "The nodes' serve --cluster-timings: how soon a killed node is downed and its hosts"
                    + " move (docs/cluster.md). Default: ${DEFAULT-VALUE}.")
    String clusterTimings;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        JournalSpec spec;
        try {
            if (nodes < 3 || hosts < 1 || kills < 0) {
                throw new IllegalArgumentException(
                        "--nodes is at least 3 (a majority must survive a kill), --hosts at least 1, --kills not"
                                + " negative");
            }
            if (!journal.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException(
                        "--journal must be a jdbc:postgresql: URL, not " + JournalCredentials.redacted(journal));
            }
            ClusterTimings.named(clusterTimings); // refused here rather than by every node
            spec = JournalSpec.parse(journal).prepared();
        } catch (RuntimeException bad) {
            System.err.println("custody cluster-test: " + bad.getMessage());
            return 2;
        }
        Path work = Files.createTempDirectory("custody-cluster-test");
        var result = new ClusterCrashTest(
                        new ClusterCrashTest.Settings(nodes, hosts, kills, seed, spec, work, clusterTimings),
                        json ? System.err : System.out)
                .run();
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(result));
        } else {
            System.out.printf(
                    "cluster-test: %d nodes, %d hosts, %d kills, seed %d: %d acknowledged, %d lost, %d violations,"
                            + " %d dual writers, handoff p50 %.1f s, max %.1f s%n",
                    result.nodes(),
                    result.hosts(),
                    result.kills(),
                    result.seed(),
                    result.acknowledged(),
                    result.lost(),
                    result.violations(),
                    result.dualWriters(),
                    result.handoffSecondsP50(),
                    result.handoffSecondsMax());
            result.problems().forEach(p -> System.out.println("  " + p));
        }
        System.err.println("cluster-test: node logs in " + work);
        return result.passed() ? 0 : 1;
    }
}
