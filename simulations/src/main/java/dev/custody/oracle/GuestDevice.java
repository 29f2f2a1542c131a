package dev.custody.oracle;

import dev.custody.model.DeviceId;
import java.util.Optional;

/**
 * One scenario device as the VM realises it: its guest PCI address, the QEMU device that stands for
 * it, and the scenario's name for the kernel-DMA driver that the guest's native driver plays.
 */
public record GuestDevice(DeviceId scenarioName, String address, Kind kind, Optional<String> playedDriver,
                          Optional<String> bridge) {

    /** The sysfs file that brings the device back after a removal: its bridge's rescan, else the whole bus's. */
    public String rescanPath() {
        return bridge.map(b -> "/sys/bus/pci/devices/" + b + "/rescan").orElse("/sys/bus/pci/rescan");
    }

    /** QEMU devices used as endpoints, with the guest kernel's driver for each (none for edu). */
    public enum Kind {
        NET("virtio-net-pci", "virtio-pci"),
        NVME("nvme", "nvme"),
        PLAIN("edu", null);

        final String qemuDevice;
        final String nativeDriver;

        Kind(String qemuDevice, String nativeDriver) {
            this.qemuDevice = qemuDevice;
            this.nativeDriver = nativeDriver;
        }

        public Optional<String> nativeDriver() {
            return Optional.ofNullable(nativeDriver);
        }
    }
}
