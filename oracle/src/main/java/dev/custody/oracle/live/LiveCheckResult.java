package dev.custody.oracle.live;

import dev.custody.oracle.vm.VmResult;
import java.util.List;
import java.util.Optional;

/** What {@link LiveSelfCheck} printed in the guest, and how the VM ended. */
public record LiveCheckResult(VmResult vm) {
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

    public Optional<String> summary() {
        return lines().stream()
                .filter(l -> l.startsWith(LiveSelfCheck.SUMMARY_PREFIX))
                .findFirst();
    }

    /** Every check passed, the JVM exited 0 and the VM powered off by itself. */
    public boolean allPassed() {
        return vm.ok()
                && failed().isEmpty()
                && !passed().isEmpty()
                && summary().equals(Optional.of(LiveSelfCheck.SUMMARY_PREFIX + passed().size() + " passed 0 failed"))
                && lines().contains(CLEAN_EXIT);
    }

    /** For a failure message: the guest's lines and the console's end. */
    public String diagnosis() {
        List<String> console = vm.consoleLog().lines().toList();
        return (vm.timedOut() ? "the VM did not finish within its timeout\n" : "")
                + "QEMU status " + vm.exitCode() + ", " + vm.elapsed().toMillis() + " ms\n"
                + "console tail:\n  "
                + String.join("\n  ", console.subList(Math.max(0, console.size() - 40), console.size()));
    }
}
