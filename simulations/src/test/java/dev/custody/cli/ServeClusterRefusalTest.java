package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --cluster} refuses what a cluster node cannot be before it starts anything: exit 2, the
 * reason on stderr, no socket. (A running node is tested in the cluster module.)
 */
class ServeClusterRefusalTest {
    @TempDir
    Path dir;

    private void refused(String why, String... args) {
        Path socket = dir.resolve("custody.sock");
        String[] all = new String[args.length + 3];
        all[0] = "serve";
        all[1] = "--socket";
        all[2] = socket.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        CliRun run = CliRun.of(all);
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains(why), run.err());
        assertFalse(Files.exists(socket), "nothing was started");
    }

    @Test
    void aClusterNodeNeedsSeedNodesAndASharedJournal() {
        refused("--cluster needs --seed-nodes", "--cluster", "--journal", "jdbc:postgresql://127.0.0.1:1/x");
        refused(
                "--journal must be a jdbc:postgresql: URL",
                "--cluster",
                "--seed-nodes",
                "127.0.0.1:2551",
                "--journal",
                "memory");
        refused(
                "a seed node is HOST:PORT",
                "--cluster",
                "--seed-nodes",
                "127.0.0.1",
                "--journal",
                "jdbc:postgresql://127.0.0.1:1/x",
                "--topology",
                "../examples/kernel-driver-blocks-vfio-claim.json");
    }

    @Test
    void seedNodesWithoutClusterAndLiveModeInAClusterAreRefused() {
        refused("--seed-nodes belongs to a cluster node: add --cluster", "--seed-nodes", "127.0.0.1:2551");
        refused(
                "not available to a cluster node yet",
                "--cluster",
                "--host",
                "--seed-nodes",
                "127.0.0.1:2551",
                "--journal",
                "jdbc:postgresql://127.0.0.1:1/x");
    }

    @Test
    void aControlSocketBelongsToAClusterNodeAndAnAccessPolicyToItsControlSocket() {
        refused(
                "--control-socket belongs to a cluster node: add --cluster",
                "--control-socket",
                dir.resolve("control.sock").toString());
        refused(
                "--access-policy is the policy of the --control-socket",
                "--cluster",
                "--access-policy",
                dir.resolve("policy.json").toString(),
                "--seed-nodes",
                "127.0.0.1:2551",
                "--journal",
                "jdbc:postgresql://127.0.0.1:1/x");
    }

    @Test
    void aPasswordInTheJournalUrlIsRefused() {
        refused(
                "the journal URL holds a password",
                "--cluster",
                "--seed-nodes",
                "127.0.0.1:2551",
                "--journal",
                "jdbc:postgresql://127.0.0.1:1/x?password=hunter2");
    }
}
