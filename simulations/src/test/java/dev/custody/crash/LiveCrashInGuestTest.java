package dev.custody.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.oracle.GuestCheckResult;
import dev.custody.oracle.live.LiveCheck;
import dev.custody.oracle.vm.IommufdKernel;
import dev.custody.oracle.vm.Kernel;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.oracle.vm.VirtualMachine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The live engine SIGKILLed in the guest while a VFIO user holds a group, then restarted on its journal
 * on the same kernel: the restart closes what the dead process held, and the group is set up again with
 * the kernel agreeing at every step ({@link LiveCrashCheck}).
 *
 * <p>Tagged {@code oracle-vm}: {@code scripts/oracle-ci.sh} runs it once QEMU is installed and the
 * iommufd kernel built.
 */
@Tag("oracle-vm")
class LiveCrashInGuestTest {
    /** Boot, two JVMs with Pekko and H2 under TCG one after the other, with room for a loaded machine. */
    private static final Duration TIMEOUT = Duration.ofMinutes(15);

    @Test
    void aRestartAfterAKillClosesWhatTheDeadProcessHeldAndTheGroupCanBeHeldAgain() throws Exception {
        assertTrue(VirtualMachine.locate(VirtualMachine.QEMU).isPresent(), "qemu-system-x86_64 is not installed");
        Path home = OracleFiles.unpacked();
        Optional<Kernel> kernel = IommufdKernel.standard(home).ifBuilt();
        assertTrue(kernel.isPresent(), "the iommufd kernel is not built (scripts/oracle-ci.sh builds it first)");
        List<String> arguments = new ArrayList<>(List.of("drive"));
        arguments.addAll(LiveCheck.addresses());
        arguments.add(LiveCrashCheck.GUEST_JOURNAL);

        GuestCheckResult result = new LiveCheck(home, kernel.get(), TIMEOUT)
                .run(LiveCrashCheck.class.getName(), arguments, LiveCrashCheck.SUMMARY_PREFIX);

        String diagnosis = String.join("\n", result.lines()) + "\n" + result.diagnosis();
        assertEquals(List.of(), result.failed(), diagnosis);
        assertTrue(result.passed().stream().anyMatch(l -> l.startsWith("PASS files closed at start")), diagnosis);
        assertTrue(
                result.passed().stream().anyMatch(l -> l.startsWith("PASS open group after the restart")), diagnosis);
        assertTrue(result.allPassed(), diagnosis);
        result.lines().forEach(System.out::println);
        System.out.println("live crash in the guest: " + result.summary().orElseThrow() + " in "
                + result.vm().elapsed().toMillis() + " ms");
    }
}
