package dev.custody.oracle;

import dev.custody.nativeio.backend.IommufdSelfCheck;
import dev.custody.oracle.vm.VmResult;
import java.util.List;
import java.util.Optional;

/**
 * What a self-check printed in the guest ({@code PASS}/{@code FAIL} lines, then a summary starting with
 * {@code summaryPrefix}), and how the VM ended: the native module's (native-check) and live host mode's
 * (live-check).
 *
 * @param vm the run; its agent lines are the self-check's lines, then java-init's {@code exit N}
 */
public record GuestCheckResult(VmResult vm, String summaryPrefix) {
    /** The native module's self-check. */
    public GuestCheckResult(VmResult vm) {
        this(vm, IommufdSelfCheck.SUMMARY_PREFIX);
    }

    /** java-init's last line when the JVM exited with status 0. */
    static final String CLEAN_EXIT = "java-init: exit 0";

    public List<String> lines() {
        return vm.agentLines();
    }

    public List<String> passed() {
        return lines().stream().filter(l -> l.startsWith("PASS ")).toList();
    }

    public List<String> failed() {
        return lines().stream().filter(l -> l.startsWith("FAIL ")).toList();
    }

    /** The self-check's final line, absent when it did not get that far. */
    public Optional<String> summary() {
        return lines().stream().filter(l -> l.startsWith(summaryPrefix)).findFirst();
    }

    /** Every check passed, the JVM exited 0 and the VM powered off by itself. */
    public boolean allPassed() {
        return vm.ok()
                && failed().isEmpty()
                && !passed().isEmpty()
                && summary().equals(Optional.of(summaryPrefix + passed().size() + " passed 0 failed"))
                && lines().contains(CLEAN_EXIT);
    }

    /** For a failure message: why it did not pass, with the guest's lines and the console's end. */
    public String diagnosis() {
        List<String> console = vm.consoleLog().lines().toList();
        // With -no-reboot a guest that resets (a triple fault early in boot) ends QEMU with status 0
        // before the kernel has printed anything: say so, or the empty output reads as a mystery.
        boolean silentReset =
                !vm.timedOut() && vm.exitCode() == 0 && vm.consoleLog().isBlank() && lines().isEmpty();
        return (vm.timedOut() ? "the VM did not finish within its timeout\n" : "")
                + (silentReset
                        ? "the guest reset before its console started (QEMU exits 0 on a reset with -no-reboot)\n"
                        : "")
                + "QEMU status " + vm.exitCode() + ", " + vm.elapsed().toMillis() + " ms\n"
                + "guest lines:\n  " + String.join("\n  ", lines()) + "\n"
                + "console tail:\n  "
                + String.join("\n  ", console.subList(Math.max(0, console.size() - 20), console.size()))
                + (vm.qemuLog().isBlank() ? "" : "\nQEMU: " + vm.qemuLog().strip());
    }
}
