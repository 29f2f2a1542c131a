package dev.custody.topology;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One PCI function with everything group formation (pci_device_group) reads.
 *
 * @param expressType      the PCIe capability's device/port type; empty for conventional PCI
 * @param multifunctionBit bit 7 of the header type register
 * @param virtualFunction  an SR-IOV virtual function (sysfs shows a {@code physfn} link)
 * @param acs              the ACS Extended Capability, if the function has one
 * @param bridgeBuses      secondary/subordinate bus numbers, for functions with a bridge header
 * @param driver           the bound driver's name, when captured from a live host
 * @param reportedGroup    the IOMMU group number the host reported, when captured
 */
public record PciFunction(
        PciAddress address,
        PciIds ids,
        Optional<PciIds> subsystem,
        ClassCode classCode,
        HeaderType headerType,
        boolean multifunctionBit,
        boolean virtualFunction,
        Optional<PciePortType> expressType,
        Optional<AcsCapability> acs,
        Optional<BusRange> bridgeBuses,
        Optional<String> driver,
        OptionalInt reportedGroup) {

    public PciFunction {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(subsystem, "subsystem");
        Objects.requireNonNull(classCode, "classCode");
        Objects.requireNonNull(headerType, "headerType");
        Objects.requireNonNull(expressType, "expressType");
        Objects.requireNonNull(acs, "acs");
        Objects.requireNonNull(bridgeBuses, "bridgeBuses");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(reportedGroup, "reportedGroup");
        if (headerType == HeaderType.PCI_BRIDGE && bridgeBuses.isEmpty()) {
            throw new IllegalArgumentException(address + ": a bridge header needs secondary/subordinate bus numbers");
        }
        if (headerType != HeaderType.PCI_BRIDGE && bridgeBuses.isPresent()) {
            throw new IllegalArgumentException(
                    address + ": only a bridge header has secondary/subordinate bus numbers");
        }
    }

    /**
     * Whether the kernel treats this function as part of a multifunction device: the header bit,
     * or any function other than 0 (the scan marks every function found above 0 as multifunction).
     * A virtual function never is, whatever its number: pci_iov_add_virtfn clears the flag, so
     * virtual functions sharing a slot are not grouped as one device's functions.
     */
    public boolean isMultifunction() {
        if (virtualFunction) return false;
        return multifunctionBit || address.function() != 0;
    }

    public boolean isPcie() {
        return expressType.isPresent();
    }

    public boolean isExpressType(PciePortType type) {
        return expressType.filter(t -> t == type).isPresent();
    }

    public boolean isBridge() {
        return headerType == HeaderType.PCI_BRIDGE;
    }

    public DeviceKind kind() {
        if (expressType.isPresent()) {
            return switch (expressType.get()) {
                case ROOT_PORT -> DeviceKind.ROOT_PORT;
                case SWITCH_UPSTREAM_PORT -> DeviceKind.SWITCH_UPSTREAM_PORT;
                case SWITCH_DOWNSTREAM_PORT -> DeviceKind.SWITCH_DOWNSTREAM_PORT;
                case PCIE_TO_PCI_BRIDGE -> DeviceKind.PCIE_TO_PCI_BRIDGE;
                case PCI_TO_PCIE_BRIDGE -> DeviceKind.PCI_TO_PCIE_BRIDGE;
                case RC_INTEGRATED_ENDPOINT, RC_EVENT_COLLECTOR ->
                    classCode.isHostBridge() ? DeviceKind.HOST_BRIDGE : DeviceKind.RC_INTEGRATED_ENDPOINT;
                case ENDPOINT, LEGACY_ENDPOINT ->
                    classCode.isHostBridge() ? DeviceKind.HOST_BRIDGE : DeviceKind.PCIE_ENDPOINT;
            };
        }
        if (classCode.isHostBridge()) return DeviceKind.HOST_BRIDGE;
        return isBridge() ? DeviceKind.PCI_TO_PCI_BRIDGE : DeviceKind.PCI_ENDPOINT;
    }

    public String describe() {
        return "%s %s [%s]".formatted(address.shortName(), kind().description(), ids);
    }
}
