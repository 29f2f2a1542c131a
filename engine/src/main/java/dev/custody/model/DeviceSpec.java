package dev.custody.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A device of the topology: its IOMMU and group (absent for a device without an IOMMU), the drivers
 * whose id tables match it, the firmware 1:1 requirement (require_direct), whether it is present at start,
 * and the driver bound at boot.
 */
public record DeviceSpec(
        DeviceId id,
        Optional<String> iommu,
        Optional<GroupId> group,
        List<String> matches,
        boolean requireDirect,
        boolean present,
        Optional<String> bootDriver) {
    public DeviceSpec {
        Objects.requireNonNull(id);
        matches = List.copyOf(matches);
    }
}
