package dev.custody.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.oracle.vm.IommufdKernel;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.oracle.vm.VirtualMachine;
import dev.custody.persistence.JournalSpec;
import dev.custody.persistence.Journals;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code custody crash-test --power-loss}: the engine runs in the oracle's VM with its H2 journal on a
 * virtual disk, and each kill is a power cut of the whole VM. An answer given before its decision was
 * on stable storage shows up here, and only here, as a lost acknowledged operation.
 *
 * <p>Tagged {@code oracle-vm}: it needs QEMU and the iommufd kernel (never built by this test), so
 * {@code ./test} leaves it out and {@code scripts/oracle-ci.sh} runs it.
 */
@Tag("oracle-vm")
class PowerLossCrashTest {
    @TempDir
    Path data;

    @Test
    @Timeout(value = 60, unit = java.util.concurrent.TimeUnit.MINUTES)
    void powerCutsLoseNothingAcknowledged() throws Exception {
        assertTrue(
                VirtualMachine.locate(VirtualMachine.QEMU).isPresent(),
                "qemu-system-x86_64 is not installed (Debian's qemu-system-x86; scripts/oracle-ci.sh installs it)");
        assertTrue(
                IommufdKernel.standard(OracleFiles.unpacked()).ifBuilt().isPresent(),
                "the iommufd kernel is not built (the oracle builds it on first use, ~6-25 min;"
                        + " scripts/oracle-ci.sh builds it before it runs this test)");
        String spelling = "h2:" + data;
        var settings = new CrashSettings(
                3,
                2026,
                spelling,
                JournalSpec.durable(spelling).prepared().config(),
                data.resolve("crash-test"),
                Optional.of(data.resolve(Journals.H2_FILE + ".mv.db")),
                false,
                "custody",
                8,
                true);
        var progress = new ByteArrayOutputStream();

        Map<String, Object> summary =
                new CrashTest(settings, new PrintStream(progress, true, StandardCharsets.UTF_8)).run();

        String log = progress.toString(StandardCharsets.UTF_8);
        System.out.println(log);
        // the harness did its part: every cycle ran, was cut, and its journal was read back off the disk
        assertEquals("power cut", summary.get("mode"), log);
        assertEquals(3, summary.get("cycles"), log);
        assertEquals(3, summary.get("kills"), log);
        assertTrue(((Number) summary.get("acknowledged")).intValue() > 0, log);
        assertTrue(((Number) summary.get("finalRecoveryMillis")).longValue() >= 0, "the last boot recovered: " + log);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> perCycle = (List<Map<String, Object>>) summary.get("perCycle");
        assertTrue(perCycle.stream().allMatch(c -> ((Number) c.get("journalDecisions")).longValue() >= 0), log);
        assertTrue(Files.isRegularFile(data.resolve(PowerLossMode.DISK_FILE)), "the disk stays for inspection");
        // and the engine did its part: what it answered survived the power cuts
        assertEquals(List.of(), summary.get("lostOperations"), log);
        assertEquals(List.of(), summary.get("violationMessages"), log);
    }
}
