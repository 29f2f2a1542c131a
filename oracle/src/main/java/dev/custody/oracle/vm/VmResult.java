package dev.custody.oracle.vm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a VM run produced.
 *
 * @param agentLines the agent's answers: the lines it wrote to the second serial port ({@code /dev/ttyS1}),
 *                   carriage returns removed (the guest tty turns "\n" into "\r\n")
 * @param consoleLog the kernel console (first serial port), for diagnosing a run that went wrong
 * @param timedOut   the VM was killed at the request's timeout (the agent did not power off)
 * @param exitCode   QEMU's exit status (0 after the guest powers off or reboots)
 * @param elapsed    wall time from starting QEMU to its end
 * @param qemuLog    QEMU's own stdout and stderr (bad -device arguments are reported there)
 * @param workDir    the run's directory (initramfs, serial files) when it was kept; see
 *                   {@link VirtualMachine#KEEP_ENV}
 */
public record VmResult(
        List<String> agentLines,
        String consoleLog,
        boolean timedOut,
        int exitCode,
        Duration elapsed,
        String qemuLog,
        Optional<Path> workDir) {
    public VmResult {
        agentLines = List.copyOf(agentLines);
    }

    /**
     * Whether the kernel panicked. With {@code panic=-1 -no-reboot} a panic also ends QEMU with status 0
     * (for example when the agent exits instead of powering off), so the console is the evidence.
     */
    public boolean kernelPanicked() {
        return consoleLog.contains("Kernel panic");
    }

    /** Whether QEMU ended by itself with status 0 and the kernel did not panic. */
    public boolean ok() {
        return !timedOut && exitCode == 0 && !kernelPanicked();
    }
}
