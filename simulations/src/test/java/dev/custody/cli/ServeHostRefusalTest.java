package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --host} refuses what it cannot do before it reads or writes anything: exit 2, the reason
 * on stderr, and no socket created. (Root and a host with an IOMMU are checked by LivePreconditionsTest,
 * whatever user runs the tests.)
 */
class ServeHostRefusalTest {
    @TempDir
    Path dir;

    private void refused(String why, String... args) {
        Path socket = dir.resolve("custody.sock");
        String[] all = new String[args.length + 4];
        all[0] = "serve";
        all[1] = "--socket";
        all[2] = socket.toString();
        all[3] = "--journal=memory";
        System.arraycopy(args, 0, all, 4, args.length);
        CliRun run = CliRun.of(all);
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains(why), run.err());
        assertFalse(Files.exists(socket), "nothing was started");
    }

    @Test
    void aDryRunOrAnAllowListWithoutHostIsRefused() {
        refused("--allow and --dry-run belong to live host mode: add --host", "--dry-run");
        refused("--allow and --dry-run belong to live host mode: add --host", "--allow", "group:1");
    }

    @Test
    void liveModeGovernsTheMachineItRunsOn() {
        refused("leave out --topology and --sysfs", "--host", "--allow", "group:1", "--sysfs", CliRun.Q35.toString());
    }

    @Test
    void liveModeNeedsAnAllowList() {
        refused("--host needs --allow", "--host");
        refused("\"eth0\" is neither a PCI address", "--host", "--allow", "eth0");
    }
}
