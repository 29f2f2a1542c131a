package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The accelerator follows whether the KVM device opens, and shows in QEMU's command line. */
class AcceleratorTest {

    @TempDir
    Path temp;

    @Test
    void aDeviceThatIsMissingOrDoesNotOpenForWritingMeansTcg() throws IOException {
        assertFalse(Accelerator.usable(temp.resolve("kvm")));
        Path readOnly = Files.createFile(temp.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r--r--r--"));
        // root opens any file for writing; the check is then about existence alone
        boolean root = "root".equals(System.getProperty("user.name"));
        assertTrue(root || !Accelerator.usable(readOnly));
        assertTrue(Accelerator.usable(Files.createFile(temp.resolve("writable"))));
    }

    @Test
    void aCpuThatReportsAHypervisorMeansAGuestHost() throws IOException {
        Path guest = Files.writeString(
                temp.resolve("guest"), "processor\t: 0\nflags\t\t: fpu vme sse2 hypervisor lahf_lm\n");
        Path metal = Files.writeString(temp.resolve("metal"), "processor\t: 0\nflags\t\t: fpu vme sse2 vmx lahf_lm\n");
        assertTrue(Accelerator.underAHypervisor(guest));
        assertFalse(Accelerator.underAHypervisor(metal));
        assertTrue(Accelerator.underAHypervisor(temp.resolve("no-cpuinfo")));
    }

    @Test
    void theCommandLineNamesTheAccelerator() {
        for (Accelerator accelerator : Accelerator.values()) {
            List<String> command = VirtualMachine.command(
                    "qemu",
                    accelerator,
                    Path.of("/k/bzImage"),
                    Path.of("/w/i.cpio"),
                    Path.of("/w/console.log"),
                    Path.of("/w/agent.out"),
                    List.of());
            int at = command.indexOf("-accel");
            assertTrue(at >= 0 && command.get(at + 1).equals(accelerator.argument()), command::toString);
        }
    }
}
