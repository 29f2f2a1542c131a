package dev.custody.oracle.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.oracle.GuestCheckResult;
import dev.custody.oracle.vm.IommufdKernel;
import dev.custody.oracle.vm.Kernel;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.oracle.vm.VirtualMachine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Live mode's IOAS maps on a real kernel, read back through a device's DMA: in the oracle's iommufd VM
 * the engine maps two pages of memory its agent owns for the IOAS, QEMU's edu device copies the first
 * into the second through the emulated IOMMU, and after the engine unmaps the second a further copy does
 * not reach it ({@link EduReadBackCheck}).
 *
 * <p>Tagged {@code oracle-vm}: not part of {@code ./test}; {@code scripts/oracle-ci.sh} runs it once
 * QEMU is installed and the iommufd kernel built.
 */
@Tag("oracle-vm")
class EduReadBackInGuestTest {
    /** Boot, the JVM and Pekko under TCG (about a minute on an idle machine), with room for a loaded one. */
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    @Test
    void whatEduCopiedThroughTheEnginesMapsIsReadBackAndAnUnmappedPageIsNotReached() throws Exception {
        assertTrue(
                VirtualMachine.locate(VirtualMachine.QEMU).isPresent(),
                "qemu-system-x86_64 is not installed (scripts/oracle-ci.sh installs it)");
        Path home = OracleFiles.unpacked();
        Optional<Kernel> kernel = IommufdKernel.standard(home).ifBuilt();
        assertTrue(kernel.isPresent(), "the iommufd kernel is not built (scripts/oracle-ci.sh builds it first)");

        GuestCheckResult result = new LiveCheck(home, kernel.get(), TIMEOUT).runEduReadBack();

        String diagnosis = String.join("\n", result.lines()) + "\n" + result.diagnosis();
        assertFalse(result.vm().timedOut(), "waited " + TIMEOUT + " for the guest to finish\n" + diagnosis);
        assertEquals(List.of(), result.failed(), diagnosis);
        assertTrue(result.passed().stream().anyMatch(l -> l.startsWith("PASS read back through the IOMMU")), diagnosis);
        assertTrue(
                result.passed().stream()
                        .anyMatch(l -> l.startsWith("PASS a DMA to the unmapped IOVA does not reach its memory")),
                diagnosis);
        assertTrue(result.passed().stream().anyMatch(l -> l.startsWith("PASS no drift 0 drifts")), diagnosis);
        assertTrue(result.allPassed(), diagnosis);
        System.out.println("edu read-back in the guest: " + result.summary().orElseThrow() + " in "
                + result.vm().elapsed().toMillis() + " ms");
        result.lines().forEach(System.out::println);
    }
}
