package dev.custody.model.state;

import dev.custody.model.DeviceId;
import dev.custody.model.Errno;
import java.util.Optional;

/**
 * One device as the driver core sees it. {@code pending}: an unbind (or removal) of its VFIO driver
 * is blocked until the device's last VFIO fd closes (vfio_unregister_group_dev).
 */
public record DeviceState(
        DeviceId id,
        boolean present,
        Optional<String> driver,
        Optional<String> override,
        Optional<Errno> failNextProbe,
        Optional<PendingRelease> pending) {

    public static DeviceState absent(DeviceId id) {
        return new DeviceState(id, false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    public DeviceState withPresent(boolean now) {
        return new DeviceState(id, now, driver, override, failNextProbe, pending);
    }

    public DeviceState withDriver(Optional<String> now) {
        return new DeviceState(id, present, now, override, failNextProbe, pending);
    }

    public DeviceState withOverride(Optional<String> now) {
        return new DeviceState(id, present, driver, now, failNextProbe, pending);
    }

    public DeviceState withFailNextProbe(Optional<Errno> now) {
        return new DeviceState(id, present, driver, override, now, pending);
    }

    public DeviceState withPending(Optional<PendingRelease> now) {
        return new DeviceState(id, present, driver, override, failNextProbe, now);
    }
}
