package dev.custody.topology;

/** What a function is in the hierarchy, derived from its class code, header and PCIe port type. */
public enum DeviceKind {
    HOST_BRIDGE("host bridge"),
    ROOT_PORT("root port"),
    SWITCH_UPSTREAM_PORT("switch upstream port"),
    SWITCH_DOWNSTREAM_PORT("switch downstream port"),
    PCIE_TO_PCI_BRIDGE("PCIe-to-PCI bridge"),
    PCI_TO_PCIE_BRIDGE("PCI-to-PCIe bridge"),
    PCI_TO_PCI_BRIDGE("PCI-to-PCI bridge"),
    RC_INTEGRATED_ENDPOINT("root-complex integrated endpoint"),
    PCIE_ENDPOINT("PCIe endpoint"),
    PCI_ENDPOINT("conventional PCI device");

    private final String description;

    DeviceKind(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    public boolean isBridge() {
        return switch (this) {
            case ROOT_PORT,
                    SWITCH_UPSTREAM_PORT,
                    SWITCH_DOWNSTREAM_PORT,
                    PCIE_TO_PCI_BRIDGE,
                    PCI_TO_PCIE_BRIDGE,
                    PCI_TO_PCI_BRIDGE -> true;
            default -> false;
        };
    }
}
