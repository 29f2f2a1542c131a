package dev.custody.live;

import dev.custody.model.DeviceId;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One PCI function as sysfs shows it.
 *
 * @param present whether {@code /sys/bus/pci/devices/ADDRESS} exists
 * @param driver the name the {@code driver} link points to; empty when unbound (or absent)
 * @param override what {@code driver_override} holds; empty when it shows {@code (null)} (or absent)
 * @param iommuGroup the number the {@code iommu_group} link points to; empty without an IOMMU (or absent)
 */
public record HostDevice(
        DeviceId id, boolean present, Optional<String> driver, Optional<String> override, OptionalInt iommuGroup) {

    public HostDevice {
        Objects.requireNonNull(id);
        Objects.requireNonNull(driver);
        Objects.requireNonNull(override);
        Objects.requireNonNull(iommuGroup);
        if (!present && (driver.isPresent() || override.isPresent() || iommuGroup.isPresent())) {
            throw new IllegalArgumentException(id + ": an absent device shows no driver, override or group");
        }
    }

    public static HostDevice absent(DeviceId id) {
        return new HostDevice(id, false, Optional.empty(), Optional.empty(), OptionalInt.empty());
    }
}
