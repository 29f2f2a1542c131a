package dev.custody.oracle.vm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One VM run.
 *
 * @param kernel      what to boot; a distribution kernel's modules go into the initramfs
 * @param deviceArgs  extra QEMU arguments for the scenario's devices, appended verbatim, e.g.
 *                    {@code ["-device", "virtio-rng-pci"]} or {@code ["-device", "pcie-pci-bridge,id=b",
 *                    "-device", "e1000e,bus=b,addr=1"]}
 * @param script      the agent's script, placed at {@code /script}
 * @param timeout     after this the VM is killed and the result says {@code timedOut}
 * @param agentBinary the static agent, placed at {@code /init} (see {@link AgentBinary})
 * @param guestFiles  more entries for the initramfs (see {@link Initramfs#write(Path, Path, String,
 *                    java.util.Optional, List)}); none for the oracle's agent. The kernel unpacks them
 *                    into guest RAM.
 */
public record VmRequest(
        Kernel kernel,
        List<String> deviceArgs,
        String script,
        Duration timeout,
        Path agentBinary,
        List<GuestFile> guestFiles) {
    /** A run of the agent: nothing in the initramfs beyond what it always has. */
    public VmRequest(Kernel kernel, List<String> deviceArgs, String script, Duration timeout, Path agentBinary) {
        this(kernel, deviceArgs, script, timeout, agentBinary, List.of());
    }

    public VmRequest {
        Objects.requireNonNull(kernel, "kernel");
        guestFiles = List.copyOf(guestFiles);
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(agentBinary, "agentBinary");
        deviceArgs = List.copyOf(deviceArgs);
        if (!deviceArgs.isEmpty() && !deviceArgs.getFirst().startsWith("-")) {
            // A bare "virtio-rng-pci" would be taken by QEMU as a disk image: refuse it here, clearly.
            throw new IllegalArgumentException(
                    "deviceArgs are QEMU arguments such as [-device, virtio-rng-pci], not " + deviceArgs);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }
}
