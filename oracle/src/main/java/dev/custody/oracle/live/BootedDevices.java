package dev.custody.oracle.live;

import dev.custody.oracle.GuestDevice;
import dev.custody.oracle.GuestLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether the guest's devices are the ones its layout of the file has: the host booted the machine
 * from its own layout, the guest puts the steps in terms of its own, and a device of another kind
 * (a virtio-net where the layout has an e1000e) makes every driver name sent to it wrong. Compared by
 * vendor and device id, which every endpoint QEMU emulates for the layout has; ports and bridges,
 * which have none in the layout, are not compared, nor a device the guest does not show.
 */
final class BootedDevices {
    /** A modern-only virtio-net's "vendor device" (see {@code modern}). */
    static final String MODERN_NET = "1af4 1041";

    private BootedDevices() {}

    /** One line per device whose ids are not its kind's, naming both; empty when all agree. */
    static List<String> unlike(GuestLayout layout, Path devicesDirectory) {
        List<String> unlike = new ArrayList<>();
        for (GuestDevice device : layout.devices().values()) {
            Optional<String> wanted = device.kind().pciId();
            Optional<String> shown = ids(devicesDirectory.resolve(device.address()));
            if (wanted.isPresent()
                    && shown.isPresent()
                    && !wanted.equals(shown)
                    && !modern(device.kind(), shown.get())) {
                unlike.add(device.address() + " is " + shown.get() + ", the layout has " + device.kind() + " ("
                        + wanted.get() + ")");
            }
        }
        return unlike;
    }

    /**
     * A virtio-net behind a PCIe port is modern only: QEMU turns its legacy interface off there
     * ({@code disable-legacy=auto}), and the device id is then 0x1040 plus the virtio type (1, net)
     * instead of the transitional 0x1000. Same device, same driver (virtio-pci matches any 1af4 id).
     */
    private static boolean modern(GuestDevice.Kind kind, String shown) {
        return kind == GuestDevice.Kind.NET && shown.equals(MODERN_NET);
    }

    /** "vendor device" as the kinds write them (lower-case hexadecimal, no 0x), if the device is there. */
    private static Optional<String> ids(Path device) {
        try {
            return Optional.of(hex(device.resolve("vendor")) + " " + hex(device.resolve("device")));
        } catch (IOException absent) {
            return Optional.empty();
        }
    }

    private static String hex(Path file) throws IOException {
        String text = Files.readString(file).strip().toLowerCase(java.util.Locale.ROOT);
        return text.startsWith("0x") ? text.substring(2) : text;
    }
}
