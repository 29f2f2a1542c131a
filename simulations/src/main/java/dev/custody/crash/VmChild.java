package dev.custody.crash;

import dev.custody.oracle.vm.RunningVm;
import java.io.InputStream;
import java.time.Duration;

/** A workload child that is a JVM in a VM: its protocol on the VM's agent port, its stderr on the console. */
final class VmChild implements WorkloadChild {
    private final RunningVm vm;

    VmChild(RunningVm vm) {
        this.vm = vm;
    }

    @Override
    public InputStream protocol() {
        return vm.agentOutput();
    }

    /** The power cut: QEMU is SIGKILLed, the guest gets no chance to write anything back. */
    @Override
    public void kill() {
        vm.kill();
    }

    @Override
    public boolean awaitExit(Duration bound) throws InterruptedException {
        return vm.awaitExit(bound);
    }

    @Override
    public String exitDescription() {
        return vm.exitCode()
                .map(code -> "the VM ended (QEMU status " + code + (vm.timedOut() ? ", at its timeout" : "") + ")")
                .orElse("still running");
    }

    @Override
    public int exitCode() {
        return vm.exitCode().orElse(-1);
    }

    @Override
    public String diagnostics() {
        String qemu = vm.qemuLog().strip();
        return vm.consoleLog() + (qemu.isEmpty() ? "" : "\nQEMU: " + qemu);
    }

    @Override
    public void close() {
        vm.close();
    }
}
