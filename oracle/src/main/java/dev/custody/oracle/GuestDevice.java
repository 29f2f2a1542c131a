package dev.custody.oracle;

import dev.custody.model.DeviceId;
import java.util.Optional;

/**
 * One scenario device as the VM realises it: its guest PCI address, the QEMU device that stands for
 * it, and the scenario's name for the kernel-DMA driver that the guest's native driver plays.
 */
public record GuestDevice(
        DeviceId scenarioName, String address, Kind kind, Optional<String> playedDriver, Optional<String> bridge) {

    /** Ports and the host bridge are the machine's: the scenario's drivers and set-up leave them alone. */
    public boolean isEndpoint() {
        return kind != Kind.ROOT_PORT && kind != Kind.HOST_BRIDGE;
    }

    /**
     * The sysfs file that brings the device back after a removal: the rescan of the bridge's own bus
     * (a device's rescan file rescans the bus it sits on, which would bring back every absent device),
     * else the whole hierarchy's.
     */
    public String rescanPath() {
        return bridge.isPresent() ? "/sys/class/pci_bus/" + address.substring(0, 7) + "/rescan" : "/sys/bus/pci/rescan";
    }

    /** QEMU devices used as endpoints, with the guest kernel's driver for each (none for edu). */
    public enum Kind {
        NET("virtio-net-pci", "virtio-pci"),
        NVME("nvme", "nvme"),
        PLAIN("edu", null),
        /** A PCIe root port of a scenario's "pci" form: the guest binds pcieport to it at boot. */
        ROOT_PORT("pcie-root-port", "pcieport"),
        /** q35's own host bridge at 00:00.0, which a "pci" form lists too. */
        HOST_BRIDGE(null, null);

        final String qemuDevice;
        final String nativeDriver;

        Kind(String qemuDevice, String nativeDriver) {
            this.qemuDevice = qemuDevice;
            this.nativeDriver = nativeDriver;
        }

        public Optional<String> nativeDriver() {
            return Optional.ofNullable(nativeDriver);
        }

        /**
         * The endpoint that plays a scenario's kernel-DMA driver: nvme for "nvme", virtio for any
         * other, edu for none. Behind a bridge it is always virtio: removing one device there clears
         * the VT-d context of the bridge's requester id, which its siblings share, so their DMA
         * faults; nvme's remove then waits out its command timeouts, virtio's does not.
         */
        static Kind playing(Optional<String> driver, boolean behindBridge) {
            if (driver.isEmpty()) {
                return PLAIN;
            }
            return driver.get().equals("nvme") && !behindBridge ? NVME : NET;
        }
    }
}
