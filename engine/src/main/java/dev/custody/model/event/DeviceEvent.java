package dev.custody.model.event;

import dev.custody.model.DeviceId;
import dev.custody.model.Errno;
import dev.custody.model.state.PendingRelease;
import java.util.Optional;

/** A fact about one device (the driver core); the device is named by {@link #device()}. */
public sealed interface DeviceEvent extends KernelEvent {

    DeviceId device();

    @Override
    default DeviceId subject() {
        return device();
    }

    record DeviceAdded(DeviceId device) implements DeviceEvent {}

    record DeviceRemoved(DeviceId device) implements DeviceEvent {}

    record DriverBound(DeviceId device, String driver) implements DeviceEvent {}

    record DriverUnbound(DeviceId device) implements DeviceEvent {}

    record DriverOverrideSet(DeviceId device, Optional<String> driver) implements DeviceEvent {}

    record ProbeFailureArmed(DeviceId device, Errno errno) implements DeviceEvent {}

    record ProbeFailureConsumed(DeviceId device) implements DeviceEvent {}

    record ReleaseBlocked(DeviceId device, PendingRelease what) implements DeviceEvent {}
}
