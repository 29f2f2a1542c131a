package dev.custody.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A device of the topology: its IOMMU and group (absent for a device without an IOMMU), the drivers
 * whose id tables match it, the firmware 1:1 requirement (require_direct), whether it is present at start,
 * the driver bound at boot, and the bridge above its bus.
 *
 * @param upstreamBridge the bridge whose secondary bus the device sits on (pci_dev->bus->self): a
 *     reset of that bus resets every device below the bridge. Empty on a root bus, where neither a
 *     slot nor a bus reset exists, and in the {@code devices} form, which says nothing of buses.
 * @param pciIds the device's vendor and device id, which dynamic ids (new_id) match against; empty
 *     when the topology does not say, and then no dynamic id matches the device.
 */
public record DeviceSpec(
        DeviceId id,
        Optional<String> iommu,
        Optional<GroupId> group,
        List<String> matches,
        boolean requireDirect,
        boolean present,
        Optional<String> bootDriver,
        Optional<DeviceId> upstreamBridge,
        Optional<PciDeviceIds> pciIds) {
    public DeviceSpec {
        Objects.requireNonNull(id);
        matches = List.copyOf(matches);
        Objects.requireNonNull(upstreamBridge);
        pciIds = pciIds == null ? Optional.empty() : pciIds; // records journaled before the field read null
    }

    /** A device whose PCI ids the topology does not give. */
    public DeviceSpec(
            DeviceId id,
            Optional<String> iommu,
            Optional<GroupId> group,
            List<String> matches,
            boolean requireDirect,
            boolean present,
            Optional<String> bootDriver,
            Optional<DeviceId> upstreamBridge) {
        this(id, iommu, group, matches, requireDirect, present, bootDriver, upstreamBridge, Optional.empty());
    }

    /** A device whose topology says nothing of the bus it sits on. */
    public DeviceSpec(
            DeviceId id,
            Optional<String> iommu,
            Optional<GroupId> group,
            List<String> matches,
            boolean requireDirect,
            boolean present,
            Optional<String> bootDriver) {
        this(id, iommu, group, matches, requireDirect, present, bootDriver, Optional.empty());
    }

    public DeviceSpec withUpstreamBridge(Optional<DeviceId> bridge) {
        return new DeviceSpec(id, iommu, group, matches, requireDirect, present, bootDriver, bridge, pciIds);
    }

    public DeviceSpec withPciIds(Optional<PciDeviceIds> ids) {
        return new DeviceSpec(id, iommu, group, matches, requireDirect, present, bootDriver, upstreamBridge, ids);
    }
}
