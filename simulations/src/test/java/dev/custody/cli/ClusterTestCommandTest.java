package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code cluster-test} refuses options it cannot run with, before it starts any node. (Its runs: docs/BENCHMARKS.md.) */
class ClusterTestCommandTest {
    private static void refused(String why, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "cluster-test";
        System.arraycopy(args, 0, all, 1, args.length);
        CliRun run = CliRun.of(all);
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains(why), run.err());
    }

    @Test
    void aClusterTestNeedsAMajorityToSurviveAndASharedJournal() {
        refused("--nodes is at least 3", "--nodes", "2", "--journal", "jdbc:postgresql://127.0.0.1:1/x");
        refused("--journal must be a jdbc:postgresql: URL", "--journal", "memory");
    }

    @Test
    void clusterTimingsAreANamedProfile() {
        refused(
                "cluster timings are \"network\" or \"loopback\"",
                "--cluster-timings",
                "fast",
                "--journal",
                "jdbc:postgresql://127.0.0.1:1/x");
    }
}
