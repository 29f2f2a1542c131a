package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.oracle.vm.IommufdKernel;
import dev.custody.oracle.vm.Kernel;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.oracle.vm.VirtualMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The native module's iommufd backend against a real {@code /dev/iommu}: the self-check runs in a
 * JVM inside the oracle's iommufd VM and every check must pass. The host has no iommufd, so this is
 * the only place the FFM bindings meet the kernel's implementation rather than its headers.
 *
 * <p>Tagged {@code oracle-vm}: not part of {@code ./test}; {@code scripts/oracle-ci.sh} runs it once it
 * has installed QEMU and built the iommufd kernel. The kernel takes minutes to build, so the test never
 * builds it (the oracle's first use does); without it, it fails.
 */
@Tag("oracle-vm")
class NativeBackendInGuestTest {
    /** Boot (~5 s), JVM start and checks under TCG, with room for a loaded machine. */
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @Test
    void everySelfCheckPassesOnTheIommufdKernel() {
        assertTrue(
                VirtualMachine.locate(VirtualMachine.QEMU).isPresent(),
                "qemu-system-x86_64 is not installed (Debian's qemu-system-x86; scripts/oracle-ci.sh installs it)");
        assertTrue(
                VirtualMachine.locate("gcc").isPresent(),
                "gcc is not installed (it compiles the guest's init; scripts/oracle-ci.sh installs it)");
        Path home = OracleFiles.unpacked();
        Optional<Kernel> kernel = IommufdKernel.standard(home).ifBuilt();
        assertTrue(
                kernel.isPresent(),
                "the iommufd kernel is not built (the oracle builds it on first use, ~6-25 min;"
                        + " scripts/oracle-ci.sh builds it before it runs this test)");
        assertTrue(
                Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "jlink")),
                "this JVM is not a full JDK (no jlink to build the guest's runtime)");

        GuestCheckResult result =
                NativeCheck.standard(home, kernel.get(), TIMEOUT).run();

        String diagnosis = result.diagnosis();
        assertFalse(
                result.vm().timedOut(),
                "waited " + TIMEOUT + " for the guest JVM to finish the checks and power off\n" + diagnosis);
        assertEquals(List.of(), result.failed(), diagnosis);
        assertTrue(result.passed().size() >= 20, "too few checks ran\n" + diagnosis);
        assertTrue(result.allPassed(), diagnosis);
        System.out.println("native self-check in the guest: " + result.summary().orElseThrow() + " in "
                + result.vm().elapsed().toMillis() + " ms");
    }
}
