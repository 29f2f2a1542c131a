package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `custody oracle live` says about files it cannot run through the live engine, without booting anything. */
class LiveOracleCommandTest {
    @TempDir
    Path dir;

    private Path inKernel() throws Exception {
        return Files.writeString(dir.resolve("claim.json"), """
                {"topology": {"iommus": [{"name": "dmar0"}],
                              "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1}]},
                 "steps": [{"op": "driver.unbind", "device": "0000:00:03.0"},
                           {"op": "iommu.group_claim", "group": 1, "owner": "k"}]}""");
    }

    @Test
    void aFileOfInKernelCallsIsNamedNotLiveRealisableWithWhyAndFailsUnlessAllowed() throws Exception {
        CliRun strict = CliRun.of("oracle", "live", inKernel().toString());
        CliRun allowed = CliRun.of("oracle", "live", inKernel().toString(), "--allow-skips");

        assertEquals(1, strict.status(), strict.err());
        assertTrue(
                strict.out().contains("claim.json: not realisable: steps 2 (iommu.group_claim) are in-kernel calls"),
                strict.out());
        assertTrue(
                strict.out()
                        .contains("0/0 steps agree in 0 files (0 with disagreements, 0 failed to run, 1 not"
                                + " realisable)"),
                strict.out());
        // nothing compared fails the check even when the skip is allowed: never a pass on nothing
        assertEquals(1, allowed.status(), allowed.out());
        assertTrue(allowed.out().contains("no step was compared"), allowed.out());
    }

    @Test
    void anInvalidFileIsBadInputWithExit2() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"steps\": 3}");
        CliRun run = CliRun.of("oracle", "live", bad.toString());
        assertEquals(2, run.status(), run.err());
    }
}
