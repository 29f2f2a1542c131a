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

    private Path twoIommus() throws Exception {
        return Files.writeString(dir.resolve("two.json"), """
                {"topology": {"iommus": [{"name": "a"}, {"name": "b"}],
                              "devices": [{"name": "0000:00:03.0", "iommu": "a", "group": 1},
                                          {"name": "0000:00:04.0", "iommu": "b", "group": 2}]},
                 "steps": [{"op": "driver.unbind", "device": "0000:00:03.0"}]}""");
    }

    @Test
    void aFileTheVmCannotRealiseIsSkippedBeforeAnyKernelIsChosenAndFailsTheCheck() throws Exception {
        CliRun run = CliRun.of("oracle", "diff", twoIommus().toString(), "--kernel", "no-such-kernel", "--json");
        assertEquals(1, run.status(), run.err());
        assertTrue(
                run.out().contains("\"skipped\":\"" + dir.resolve("two.json") + ": topology has 2 IOMMU"), run.out());
        assertTrue(
                run.out()
                        .contains(
                                "\"total\":{\"files\":1,\"compared\":0,\"agreeing\":0,\"disagreeingFiles\":0,\"skipped\":1,\"failed\":0,\"unallowedSkips\":1,\"passed\":false}"),
                run.out());
    }

    @Test
    void skipsPassOnlyWhereTheyAreAllowedAndTheTextSaysHowManyAndWhy() throws Exception {
        Path file = twoIommus();
        CliRun refused = CliRun.of("oracle", "diff", file.toString(), "--kernel", "no-such-kernel");
        assertEquals(1, refused.status(), refused.err());
        assertTrue(
                refused.out().contains("oracle: FAILED: no step was compared (1 files, 1 not realisable)"),
                refused.out());
        assertTrue(refused.out().contains("oracle: FAILED: 1 files were skipped as not realisable"), refused.out());

        CliRun any = CliRun.of("oracle", "diff", file.toString(), "--kernel", "no-such-kernel", "--allow-skips");
        assertEquals(1, any.status(), "a run that compared nothing fails even when skips are allowed: " + any.out());
        assertTrue(!any.out().contains("were skipped as not realisable"), any.out());

        Path list =
                Files.writeString(dir.resolve("list.txt"), "# files a VM cannot run\ntwo.json two IOMMU instances\n");
        CliRun listed = CliRun.of(
                "oracle", "diff", file.toString(), "--kernel", "no-such-kernel", "--allow-skips=" + list, "--json");
        assertTrue(listed.out().contains("\"unallowedSkips\":0"), listed.out());

        Path bad = Files.writeString(dir.resolve("bad.txt"), "two.json\n");
        CliRun noReason =
                CliRun.of("oracle", "diff", file.toString(), "--kernel", "no-such-kernel", "--allow-skips=" + bad);
        assertEquals(2, noReason.status(), noReason.err());
        assertTrue(noReason.err().contains("bad.txt:1: two.json has no reason"), noReason.err());
    }

    @Test
    void aKernelImageThatIsNoFileIsNamedWithExit2() throws Exception {
        Path file = scenario("{\"op\": \"driver.unbind\", \"device\": \"0000:00:03.0\"}");
        CliRun run = CliRun.of(
                "oracle",
                "diff",
                file.toString(),
                "--kernel-image",
                dir.resolve("nothing").toString());
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("--kernel-image " + dir.resolve("nothing") + " is not a file"), run.err());
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
