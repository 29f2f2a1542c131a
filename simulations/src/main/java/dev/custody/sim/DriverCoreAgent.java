package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** An administrator racing everyone: binds and unbinds drivers, overrides, probes, hot-plugs. */
final class DriverCoreAgent implements Agent {
    private static final List<String> DRIVERS = List.of("e1000e", "nvme", "vfio-pci", "pci-stub", "e1000e");
    private final Random random;
    private final List<DeviceId> devices;

    DriverCoreAgent(long seed, Topology topology) {
        this.random = new Random(seed);
        this.devices = List.copyOf(topology.devices().keySet());
    }

    @Override
    public String name() {
        return "driver-core";
    }

    @Override
    public Command<?> next() {
        DeviceId device = devices.get(random.nextInt(devices.size()));
        int roll = random.nextInt(100);
        if (roll < 38) {
            return new Command.DriverBind(device, DRIVERS.get(random.nextInt(DRIVERS.size())));
        } else if (roll < 62) {
            return new Command.DriverUnbind(device);
        } else if (roll < 72) {
            return new Command.DriverProbe(device);
        } else if (roll < 80) {
            return new Command.DriverOverride(
                    device, random.nextBoolean() ? Optional.of("vfio-pci") : Optional.empty());
        } else if (roll < 85) {
            return new Command.FailNextProbe(device, random.nextBoolean() ? Errno.ENODEV : Errno.ENOMEM);
        } else if (roll < 93) {
            return new Command.DeviceAdd(device);
        }
        return new Command.DeviceRemove(device);
    }

    @Override
    public void observe(Command<?> command, Outcome<Reply> outcome) {
        // an administrator does not remember: every call is chosen afresh
    }
}
