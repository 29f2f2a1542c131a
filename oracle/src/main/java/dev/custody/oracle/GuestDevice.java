package dev.custody.oracle;

import dev.custody.model.DeviceId;
import java.util.Optional;

/**
 * One scenario device as the VM realises it: its guest PCI address, the QEMU device that stands for
 * it, and the scenario's name for the kernel-DMA driver that the guest's native driver plays.
 */
public record GuestDevice(
        DeviceId scenarioName, String address, Kind kind, Optional<String> playedDriver, Optional<String> bridge) {

    /** Ports, bridges and the host bridge are the machine's: the set-up binds them nothing of its own. */
    public boolean isEndpoint() {
        return !kind.bridge && kind != Kind.HOST_BRIDGE;
    }

    /**
     * The sysfs file that brings the device back after a removal: the rescan of the bridge's own bus
     * (a device's rescan file rescans the bus it sits on, which would bring back every absent device),
     * else the whole hierarchy's.
     */
    public String rescanPath() {
        return bridge.isPresent() ? "/sys/class/pci_bus/" + address.substring(0, 7) + "/rescan" : "/sys/bus/pci/rescan";
    }

    /** QEMU devices used as endpoints, ports and bridges, with the guest kernel's driver for each. */
    public enum Kind {
        NET("virtio-net-pci", "virtio-pci", "1af4 1000"),
        /**
         * The same QEMU device below a PCIe port, where QEMU turns its legacy interface off
         * ({@code disable-legacy=auto}): modern only, so its device id is 0x1040 plus the virtio type
         * (1, net) instead of the transitional 0x1000. The same driver (virtio-pci) binds it.
         */
        MODERN_NET("virtio-net-pci", "virtio-pci", "1af4 1041"),
        NVME("nvme", "nvme", "1b36 0010"),
        E1000E("e1000e", "e1000e", "8086 10d3"),
        E1000("e1000", "e1000", "8086 100e"),
        PLAIN("edu", null, "1234 11e8"),
        /** PCIe ports: the guest binds pcieport to them at boot. */
        ROOT_PORT("pcie-root-port", "pcieport", null, true),
        SWITCH_UPSTREAM_PORT("x3130-upstream", "pcieport", null, true),
        SWITCH_DOWNSTREAM_PORT("xio3130-downstream", "pcieport", null, true),
        /** Bridges to conventional PCI, which nothing binds; the devices behind them alias to them. */
        PCIE_TO_PCI_BRIDGE("pcie-pci-bridge", null, null, true),
        PCI_BRIDGE("pci-bridge", null, null, true),
        /** q35's own host bridge at 00:00.0, which a "pci" form lists too. */
        HOST_BRIDGE(null, null, null),
        /** q35's own ICH9 functions at 00:1f.0, .2 and .3, which every q35 machine has, in one group. */
        Q35_LPC(null, null, "8086 2918"),
        Q35_SATA(null, "ahci", "8086 2922"),
        Q35_SMBUS(null, "i801_smbus", "8086 2930");

        final String qemuDevice;
        final String nativeDriver;
        /** Vendor and device id as the new_id file of a driver takes them. */
        final String pciId;

        final boolean bridge;

        Kind(String qemuDevice, String nativeDriver, String pciId) {
            this(qemuDevice, nativeDriver, pciId, false);
        }

        Kind(String qemuDevice, String nativeDriver, String pciId, boolean bridge) {
            this.qemuDevice = qemuDevice;
            this.nativeDriver = nativeDriver;
            this.pciId = pciId;
            this.bridge = bridge;
        }

        /** "vendor device" in hexadecimal, for a driver's new_id. */
        public Optional<String> pciId() {
            return Optional.ofNullable(pciId);
        }

        public boolean isBridge() {
            return bridge;
        }

        /** Whether QEMU adds it to every q35 machine (nothing on the command line makes it). */
        public boolean builtIn() {
            return qemuDevice == null;
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

        /**
         * The endpoint of a machine's own hierarchy: the QEMU device whose guest driver is the scenario's
         * where QEMU has one (e1000e, e1000, nvme), else as {@link #playing}.
         */
        static Kind machine(Optional<String> driver, boolean behindConventional) {
            if (driver.isPresent() && !behindConventional) {
                switch (driver.get()) {
                    case "e1000e" -> {
                        return E1000E;
                    }
                    case "e1000" -> {
                        return E1000;
                    }
                    default -> {}
                }
            }
            return playing(driver, behindConventional);
        }
    }
}
