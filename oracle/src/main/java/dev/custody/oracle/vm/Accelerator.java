package dev.custody.oracle.vm;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * How QEMU runs the oracle's guests: KVM when this host lets the oracle open {@code /dev/kvm} for
 * reading and writing, TCG (emulation, on every host thread) otherwise. The kernel's answers do not
 * depend on it; the time a run takes does, by about an order of magnitude. {@value #ENV}={@code
 * tcg} or {@code kvm} chooses instead (kvm on a host without it makes QEMU refuse to start).
 */
public enum Accelerator {
    KVM("kvm"),
    TCG("tcg,thread=multi");

    public static final String ENV = "CUSTODY_ORACLE_ACCEL";
    static final Path DEVICE = Path.of("/dev/kvm");

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
        return usable(DEVICE) ? KVM : TCG;
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
