package dev.custody.oracle.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * How QEMU runs the oracle's guests: KVM on a host that is not itself a guest and lets the oracle
 * open {@code /dev/kvm} for reading and writing, TCG (emulation, on every host thread) otherwise.
 * The kernel's answers do not depend on it; the time a run takes does, by about an order of
 * magnitude. A host that is itself a virtual machine (the CPU reports the {@code hypervisor} flag)
 * may offer {@code /dev/kvm} without running guests: on such a machine a KVM guest of the oracle
 * printed nothing in 180 s while its vCPU spun in the host kernel. There TCG is the default, and
 * {@value #ENV}={@code kvm} asks for KVM where nested guests do run ({@code tcg} forces TCG anywhere).
 */
public enum Accelerator {
    KVM("kvm"),
    TCG("tcg,thread=multi");

    public static final String ENV = "CUSTODY_ORACLE_ACCEL";
    static final Path DEVICE = Path.of("/dev/kvm");
    static final Path CPUINFO = Path.of("/proc/cpuinfo");

    private final String argument;

    Accelerator(String argument) {
        this.argument = argument;
    }

    /** QEMU's {@code -accel} value. */
    public String argument() {
        return argument;
    }

    /** The accelerator {@value #ENV} names, or else the best this host offers. */
    public static Accelerator ofThisHost() {
        String chosen = System.getenv(ENV);
        if (chosen != null && !chosen.isBlank()) {
            return switch (chosen.strip().toLowerCase(Locale.ROOT)) {
                case "kvm" -> KVM;
                case "tcg" -> TCG;
                default -> throw new IllegalArgumentException(ENV + "=" + chosen + ": must be kvm or tcg");
            };
        }
        return usable(DEVICE) && !underAHypervisor(CPUINFO) ? KVM : TCG;
    }

    /** Whether the CPU says it runs under a hypervisor (the {@code hypervisor} flag of cpuinfo). */
    static boolean underAHypervisor(Path cpuinfo) {
        try (var lines = Files.lines(cpuinfo)) {
            return lines.filter(line -> line.startsWith("flags"))
                    .anyMatch(line -> (" " + line + " ").contains(" hypervisor "));
        } catch (IOException | UncheckedIOException e) {
            return true; // unknown: the cautious answer, TCG
        }
    }

    /** Whether the device opens for reading and writing, as QEMU will open it. */
    static boolean usable(Path device) {
        try {
            FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    .close();
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
