package dev.custody.topology;

import java.util.Arrays;
import java.util.Optional;

/**
 * The Device/Port Type field of the PCI Express capability (bits 7:4 of its flags register).
 * A function without that capability is conventional PCI and has no port type at all.
 */
public enum PciePortType {
    ENDPOINT(0x0, "PCIe endpoint"),
    LEGACY_ENDPOINT(0x1, "legacy PCIe endpoint"),
    ROOT_PORT(0x4, "root port"),
    SWITCH_UPSTREAM_PORT(0x5, "switch upstream port"),
    SWITCH_DOWNSTREAM_PORT(0x6, "switch downstream port"),
    PCIE_TO_PCI_BRIDGE(0x7, "PCIe-to-PCI bridge"),
    PCI_TO_PCIE_BRIDGE(0x8, "PCI-to-PCIe bridge"),
    RC_INTEGRATED_ENDPOINT(0x9, "root-complex integrated endpoint"),
    RC_EVENT_COLLECTOR(0xa, "root-complex event collector");

    private final int code;
    private final String description;

    PciePortType(int code, String description) {
        this.code = code;
        this.description = description;
    }

    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    public static Optional<PciePortType> fromCode(int code) {
        return Arrays.stream(values()).filter(t -> t.code == code).findFirst();
    }
}
