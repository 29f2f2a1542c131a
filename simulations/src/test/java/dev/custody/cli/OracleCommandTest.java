package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `custody oracle` says when it cannot run, without booting anything. */
class OracleCommandTest {
    @TempDir
    Path dir;

    private Path scenario(String steps) throws Exception {
        return Files.writeString(dir.resolve("s.json"), """
                {"topology": {"iommus": [{"name": "dmar0"}],
                              "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1}]},
                 "steps": [%s]}""".formatted(steps));
    }

    @Test
    void aFileThatDoesNotExistIsNamedWithExit2() {
        CliRun run = CliRun.of("oracle", "diff", dir.resolve("missing.json").toString());
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("missing.json"), run.err());
    }

    @Test
    void aKernelNotInTheCatalogIsNamedWithExit2() throws Exception {
        Path file = scenario("{\"op\": \"driver.unbind\", \"device\": \"0000:00:03.0\"}");
        CliRun run = CliRun.of("oracle", "run", file.toString(), "--kernel", "no-such-kernel");
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("no kernel named no-such-kernel"), run.err());
    }

    @Test
    void anInKernelCallIsReportedAsNotRealisableBeforeAnyKernelIsChosen() throws Exception {
        Path file = scenario("{\"op\": \"iommu.group_claim\", \"group\": 1, \"owner\": \"me\"}");
        CliRun run = CliRun.of("oracle", "diff", file.toString(), "--kernel", "no-such-kernel", "--json");
        assertEquals(0, run.status(), run.err());
        assertTrue(
                run.out().contains("\"skipped\":\"step 1 (iommu.group_claim): iommu.group_claim is an in-kernel call"),
                run.out());
        assertTrue(
                run.out()
                        .contains(
                                "\"total\":{\"files\":1,\"compared\":0,\"agreeing\":0,\"disagreeingFiles\":0,\"skipped\":1,\"failed\":0}"),
                run.out());
    }

    @Test
    void anInvalidFileIsNamedWithExit2AndNothingRuns() throws Exception {
        Path file = scenario("{\"op\": \"no.such.op\"}");
        CliRun run = CliRun.of("oracle", "run", file.toString(), "--kernel", "no-such-kernel");
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("invalid scenario") && run.err().contains("unknown op"), run.err());
        assertEquals("", run.out());
    }
}
