package dev.custody.live;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import java.util.Objects;
import java.util.Optional;

/**
 * A change on the host that the model has not made: what sysfs shows differs from the model's state
 * in one device's driver, override or presence. Each gives the catalogue command that makes the model
 * follow, and one line saying what was seen where.
 */
public sealed interface ExternalChange {

    DeviceId device();

    /** The command that, applied to the model, makes it show what the host shows. */
    Command<?> asCommand();

    /** One line naming what sysfs showed, and where. */
    String describe();

    /** A driver is bound that the model does not have bound (the {@code driver} link appeared or changed). */
    record DriverBound(DeviceId device, String driver) implements ExternalChange {
        public DriverBound {
            Objects.requireNonNull(device);
            Objects.requireNonNull(driver);
        }

        @Override
        public Command.DriverBind asCommand() {
            return new Command.DriverBind(device, driver);
        }

        @Override
        public String describe() {
            return device + ": bound to " + driver + " (sysfs driver link)";
        }
    }

    /** The driver the model has bound is no longer (the {@code driver} link went). */
    record DriverUnbound(DeviceId device, String wasDriver) implements ExternalChange {
        public DriverUnbound {
            Objects.requireNonNull(device);
            Objects.requireNonNull(wasDriver);
        }

        @Override
        public Command.DriverUnbind asCommand() {
            return new Command.DriverUnbind(device);
        }

        @Override
        public String describe() {
            return device + ": unbound from " + wasDriver + " (sysfs driver link gone)";
        }
    }

    /** {@code driver_override} holds another value; empty when it was cleared. */
    record OverrideChanged(DeviceId device, Optional<String> override) implements ExternalChange {
        public OverrideChanged {
            Objects.requireNonNull(device);
            Objects.requireNonNull(override);
        }

        @Override
        public Command.DriverOverride asCommand() {
            return new Command.DriverOverride(device, override);
        }

        @Override
        public String describe() {
            return device + ": driver_override "
                    + override.map(d -> "set to " + d).orElse("cleared");
        }
    }

    /** The device is gone from {@code /sys/bus/pci/devices} (hot-unplug or a {@code remove} write). */
    record DeviceRemoved(DeviceId device) implements ExternalChange {
        public DeviceRemoved {
            Objects.requireNonNull(device);
        }

        @Override
        public Command.DeviceRemove asCommand() {
            return new Command.DeviceRemove(device);
        }

        @Override
        public String describe() {
            return device + ": removed (gone from /sys/bus/pci/devices)";
        }
    }

    /** The device appeared in {@code /sys/bus/pci/devices} (hot-plug or a rescan). */
    record DeviceAdded(DeviceId device) implements ExternalChange {
        public DeviceAdded {
            Objects.requireNonNull(device);
        }

        @Override
        public Command.DeviceAdd asCommand() {
            return new Command.DeviceAdd(device);
        }

        @Override
        public String describe() {
            return device + ": added (appeared in /sys/bus/pci/devices)";
        }
    }
}
